/** Built as content/sidebar.js (a standalone IIFE); the background runs it on ticket pages. */
import { mountSidebar } from '../sidebar/mount';
import { provideSidebar } from './sidebar-bundle';

provideSidebar({ mountSidebar });
