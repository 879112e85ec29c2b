/** Content script entry (built as a standalone IIFE): start Baton on this page. */
import { main } from './main';

void main().catch((e: unknown) => console.debug('[Baton]', e));
