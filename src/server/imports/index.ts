/**
 * Runs a config's `imports:`: read each export (folder, .csv or .zip), decode, parse, hand the
 * tables to its CRM's importer, build accounts, and join them with the config's own. A pure async
 * function of the config and the files on disk; everything it returns is plain data.
 *
 * A bad row is reported and skipped. A missing or unreadable export, an export without its main
 * table, or a file cut short inside a quoted field fails the load (the server keeps the last good
 * data, as for a broken YAML edit).
 */
import type { Hash } from 'node:crypto';
import { basename, isAbsolute, join, normalize, resolve } from 'node:path';
import type { BatonConfig, ImportConfig, ImportSource, PersonConfig } from '../../shared/config';
import type { Encoding } from './decode';
import { readExport } from './files';
import { readCsv, CSV_KINDS } from './csv';
import { readHubspot, HUBSPOT_KINDS } from './hubspot';
import { buildAccounts, type Built, type Canon } from './model';
import { mergeAccounts } from './merge';
import { readPipedrive, PIPEDRIVE_KINDS } from './pipedrive';
import { Reporter, type ImportReport } from './report';
import { readSalesforce, SALESFORCE_KINDS } from './salesforce';
import { ImportContext, type TableKind } from './source';
import { parseFiles, type ParsedFile } from './parse';
import type { Table } from './table';
import { readZoho, ZOHO_KINDS } from './zoho';

export interface Importer {
  kinds: TableKind[];
  /** The kind an export must have (its accounts). */
  main: string;
  read(ctx: ImportContext): Canon;
  prefix: string;
}

export const IMPORTERS: Record<ImportSource, Importer> = {
  salesforce: { kinds: SALESFORCE_KINDS, main: 'account', read: readSalesforce, prefix: 'salesforce-' },
  hubspot: { kinds: HUBSPOT_KINDS, main: 'company', read: readHubspot, prefix: 'hubspot-' },
  pipedrive: { kinds: PIPEDRIVE_KINDS, main: 'organization', read: readPipedrive, prefix: 'pipedrive-' },
  zoho: { kinds: ZOHO_KINDS, main: 'account', read: readZoho, prefix: 'zoho-' },
  csv: { kinds: CSV_KINDS, main: 'account', read: readCsv, prefix: 'csv-' },
};

/** An error in an import: at the import's entry in the config (line from `locate`), or at a file's row. */
export interface ImportError {
  index: number;
  /** Set when the error is in an export file: its display name and row. */
  file?: string;
  row?: number;
  message: string;
}

export interface ImportsResult {
  ok: true;
  config: BatonConfig;
  reports: ImportReport[];
  /** Export files read, absolute paths of the `path:`s (what the watcher watches). */
  watch: string[];
}

export interface ImportOptions {
  /** The config file's folder: `path:` is relative to it. */
  baseDir: string;
  /** How that folder reads in messages ('' for the working directory). */
  displayDir: string;
  /** Also fed every export file's name and SHA-256 (the loaded config's hash). */
  hash?: Hash;
  /** Parse workers (parse.ts): 0 parses in this thread; unset chooses by the export's size. */
  workers?: number;
}

function shown(displayDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  const p = normalize(join(displayDir, path));
  return path.endsWith('/') && !p.endsWith('/') ? `${p}/` : p;
}

/** Reads one import into accounts and people, with its report. */
export async function runImport(
  imp: ImportConfig,
  index: number,
  config: Pick<BatonConfig, 'stages' | 'people'>,
  opts: ImportOptions,
): Promise<{ ok: true; built: ReturnType<typeof buildAccounts>; report: ImportReport; reporter: Reporter } | { ok: false; error: ImportError }> {
  const importer = IMPORTERS[imp.from];
  const abs = resolve(opts.baseDir, imp.path);
  const display = shown(opts.displayDir, imp.path);
  const read = await readExport(abs, display);
  if (!read.ok) return { ok: false, error: { index, message: `cannot read the ${imp.from} export ${display}: ${read.message}` } };

  const reporter = new Reporter();
  const tables: Table[] = [];
  const names = new Map<Table, string>();
  const files: ImportReport['files'] = [];
  let rows = 0;
  let parsed: ParsedFile[];
  try {
    parsed = await parseFiles(read.files, { encoding: imp.encoding as Encoding, workers: opts.workers });
  } catch (err) {
    return { ok: false, error: { index, message: `cannot parse the ${imp.from} export ${display}: ${(err as Error).message}` } };
  }
  for (const [i, f] of read.files.entries()) {
    const p = parsed[i]!;
    if (!p.ok) return { ok: false, error: { index, file: f.display, row: p.row, message: p.message } };
    // The loaded config's hash covers each file by its own SHA-256 (worked out beside the parse).
    opts.hash?.update(`\0${f.display}\0`).update(p.sha256);
    for (const b of p.broken) reporter.add(f.display, b.row, 'broken-row', b.why);
    tables.push(p.table);
    names.set(p.table, f.name);
    files.push({ name: f.display, rows: p.table.length + p.broken.length, encoding: p.encoding });
    rows += p.table.length + p.broken.length;
  }

  const ctx = new ImportContext(tables, importer.kinds, imp.columns, imp.employees, reporter, (t) => names.get(t) ?? basename(t.file));
  const mainKind = importer.kinds.find((k) => k.kind === importer.main)!;
  if (!ctx.has(importer.main)) {
    return { ok: false, error: { index, message: `the ${imp.from} export ${display} has no ${mainKind.label} (files: ${read.files.map((f) => f.name).join(', ')}): nothing to import (still being copied?)` } };
  }
  const canon = importer.read(ctx);
  const built = buildAccounts(canon, { stages: imp.stages, stageList: config.stages, prefix: imp.idPrefix ?? importer.prefix, people: config.people }, reporter);
  const report: ImportReport = {
    index,
    from: imp.from,
    path: display,
    written: imp.path,
    files,
    missing: ctx.missing,
    rows,
    made: {
      accounts: built.accounts.length,
      contacts: built.accounts.reduce((n, a) => n + a.contacts.length, 0),
      handoffs: built.handoffs,
      people: built.peopleMatched + built.people.length,
      peopleMatched: built.peopleMatched,
      peopleMade: built.people.length,
    },
    unmapped: reporter.unmapped,
    unmappedByKind: reporter.byKind,
    unmappedTotal: reporter.total,
  };
  return { ok: true, built, report, reporter };
}

/** Every import of a validated config, joined into it. */
export async function applyImports(config: BatonConfig, opts: ImportOptions): Promise<ImportsResult | { ok: false; errors: ImportError[] }> {
  const stageOrder = new Map(config.stages.map((s, i) => [s.id, i]));
  let accounts = config.accounts;
  let people: PersonConfig[] = config.people;
  const reports: ImportReport[] = [];
  const errors: ImportError[] = [];
  const watch: string[] = [];
  for (const [i, imp] of config.imports.entries()) {
    watch.push(resolve(opts.baseDir, imp.path));
    const r = await runImport(imp, i, { stages: config.stages, people }, opts);
    if (!r.ok) {
      errors.push(r.error);
      continue;
    }
    accounts = mergeAccounts(accounts, { accounts: r.built.accounts, where: r.built.where, report: r.reporter }, stageOrder);
    people = [...people, ...r.built.people];
    // Lines the merge added (a domain or email the config has) join this import's report.
    r.report.unmapped = r.reporter.unmapped;
    r.report.unmappedByKind = r.reporter.byKind;
    r.report.unmappedTotal = r.reporter.total;
    reports.push(r.report);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { ...config, accounts, people }, reports, watch };
}
