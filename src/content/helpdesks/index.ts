/**
 * Every built-in adapter: each file in this folder but the shared ones exports `adapter`.
 * Collected with import.meta.glob so adding a desk is adding one file.
 */
import type { HelpdeskAdapter } from './types';

const modules = import.meta.glob<{ adapter?: HelpdeskAdapter }>(['./*.ts', '!./index.ts', '!./types.ts', '!./read.ts'], {
  eager: true,
});

export const builtinAdapters: HelpdeskAdapter[] = Object.entries(modules)
  .map(([, m]) => m.adapter)
  .filter((a): a is HelpdeskAdapter => !!a)
  .sort((a, b) => a.id.localeCompare(b.id));

export type { HelpdeskAdapter, CustomerRead } from './types';
