/**
 * Packages that only some inputs or commands need, loaded on first use, so a server start does
 * not load them (each took 35–70 ms to load here): `yaml` (the positions of config errors, and
 * `baton token`'s edits) and `papaparse` (CRM exports). `postgres` and `yauzl` are imported where
 * they are used (store-postgres.ts, imports/files.ts), for the same reason.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let yamlPackage: typeof import('yaml') | undefined;
/** The `yaml` package (Document API, node positions). */
export function yamlDocuments(): typeof import('yaml') {
  return (yamlPackage ??= require('yaml') as typeof import('yaml'));
}

let papaPackage: typeof import('papaparse') | undefined;
/** Papa Parse (imports/table.ts). */
export function papaParse(): typeof import('papaparse') {
  return (papaPackage ??= require('papaparse') as typeof import('papaparse'));
}
