/** Built as content/inline.js (a standalone IIFE); the background runs it on ticket pages in inline mode. */
import { mountInline } from './inline';
import { INLINE_KEY, provide } from './inject';

provide(INLINE_KEY, { mountInline });
