/**
 * What one import read, made and could not map. Plain data (no classes in the result), so a
 * load can hand it across a worker boundary. The lines name file:row and why, never a
 * customer's email or a row's contents: they go to the server log and `npx baton check`.
 */
import { thousands } from '../../shared/numbers';

/** Why a row (or part of one) did not map; the kinds are counted in /healthz. */
export type UnmappedKind =
  | 'missing-field'
  | 'unknown-account'
  | 'unknown-user'
  | 'unknown-campaign'
  | 'bad-date'
  | 'bad-number'
  | 'bad-email'
  | 'bad-domain'
  | 'bad-value'
  | 'duplicate-email'
  | 'duplicate-id'
  | 'duplicate-domain'
  | 'broken-row';

export interface Unmapped {
  file: string;
  row: number;
  kind: UnmappedKind;
  why: string;
}

export interface ImportCounts {
  accounts: number;
  contacts: number;
  handoffs: number;
  /** People the relay names: matched to the config's people, or made from CRM users. */
  people: number;
  peopleMatched: number;
  peopleMade: number;
}

export interface ImportReport {
  /** imports[i] in the config. */
  index: number;
  from: string;
  /** The path as messages show it (relative to the working directory when inside it). */
  path: string;
  /** The path as the config wrote it (what /healthz shows). */
  written: string;
  files: Array<{ name: string; rows: number; encoding: string }>;
  /** Files this CRM's import reads that the export did not have. */
  missing: string[];
  rows: number;
  made: ImportCounts;
  unmapped: Unmapped[];
  /** Unmapped rows by kind (all of them, including those past the listed ones). */
  unmappedByKind: Partial<Record<UnmappedKind, number>>;
  unmappedTotal: number;
}

/** At most this many unmapped rows are kept and listed; the rest are only counted. */
export const LISTED = 20;

export class Reporter {
  readonly unmapped: Unmapped[] = [];
  readonly byKind: Partial<Record<UnmappedKind, number>> = {};
  total = 0;
  add(file: string, row: number, kind: UnmappedKind, why: string): void {
    this.total++;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    if (this.unmapped.length < LISTED) this.unmapped.push({ file, row, kind, why });
  }
}

const n = (count: number, one: string, many = `${one}s`) => `${thousands(count)} ${count === 1 ? one : many}`;

const KIND_LABEL: Record<UnmappedKind, string> = {
  'missing-field': 'required field empty',
  'unknown-account': 'unknown account',
  'unknown-user': 'owner with no user',
  'unknown-campaign': 'unknown campaign',
  'bad-date': 'unreadable date',
  'bad-number': 'unreadable number',
  'bad-email': 'not an email address',
  'bad-domain': 'not a domain',
  'bad-value': 'unreadable value',
  'duplicate-email': 'duplicate email',
  'duplicate-id': 'duplicate id',
  'duplicate-domain': 'domain of another account',
  'broken-row': 'broken row',
};

/** "3 × unknown account, 1 × unreadable date" */
export function describeKinds(byKind: Partial<Record<UnmappedKind, number>>): string {
  return Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${thousands(c)} × ${KIND_LABEL[k as UnmappedKind]}`)
    .join(', ');
}

/** The one-line summary (server log, check). */
export function summaryLine(r: ImportReport): string {
  const m = r.made;
  const people = m.people === 0 ? '0 people' : `${n(m.people, 'person', 'people')} (${thousands(m.peopleMatched)} known, ${thousands(m.peopleMade)} new)`;
  const head = `imports[${r.index}] ${r.from} ${r.path}: ${n(r.files.length, 'file')}, ${n(r.rows, 'row')} → ${n(m.accounts, 'account')}, ${n(m.contacts, 'contact')}, ${n(m.handoffs, 'hand-off')}, ${people}`;
  return r.unmappedTotal === 0 ? `${head}; every row mapped` : `${head}; ${n(r.unmappedTotal, 'row')} did not map (${describeKinds(r.unmappedByKind)})`;
}

/** Every line of the report: summary, missing files, the first unmapped rows, the rest counted. */
export function reportLines(r: ImportReport): string[] {
  const lines = [summaryLine(r)];
  if (r.missing.length > 0) lines.push(`  not in the export (skipped): ${r.missing.join(', ')}`);
  for (const u of r.unmapped) lines.push(`  ${u.file}:${u.row}: ${u.why}`);
  const rest = r.unmappedTotal - r.unmapped.length;
  if (rest > 0) lines.push(`  … and ${n(rest, 'more row', 'more rows')} (first ${LISTED} listed)`);
  return lines;
}

/** What /healthz shows of an import: counts and kinds, no rows, no names. */
export function healthOf(r: ImportReport) {
  return {
    from: r.from,
    path: r.written,
    files: r.files.length,
    rows: r.rows,
    accounts: r.made.accounts,
    contacts: r.made.contacts,
    handoffs: r.made.handoffs,
    people: r.made.people,
    missing: r.missing,
    unmapped: r.unmappedTotal,
    unmappedByKind: r.unmappedByKind,
  };
}
