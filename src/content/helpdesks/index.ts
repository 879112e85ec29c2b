/**
 * Every built-in adapter: each file in this folder but the shared ones exports `adapter`.
 * Collected with import.meta.glob so adding a desk is adding one file.
 */
import type { HelpdeskAdapter } from './types';

// Each file's `adapter` export only (no module objects: a desk's other exports stay out of the bundle).
const modules = import.meta.glob<HelpdeskAdapter | undefined>(['./*.ts', '!./index.ts', '!./types.ts', '!./read.ts'], {
  eager: true,
  import: 'adapter',
});

export const builtinAdapters: HelpdeskAdapter[] = Object.values(modules)
  .filter((a): a is HelpdeskAdapter => !!a)
  .sort((a, b) => a.id.localeCompare(b.id));

export type { HelpdeskAdapter, CustomerRead } from './types';
