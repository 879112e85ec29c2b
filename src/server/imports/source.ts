/**
 * What an importer works with: the export's tables sorted into the kinds it reads (by file name,
 * else by the headers a kind always has), column access with the import's `columns:` and
 * `employees:` applied, and value readers that report the rows they cannot read.
 */
import type { HealthLevel } from '../../shared/config';
import type { At, CrmAccount, CrmDeal } from './model';
import type { CrmUser, UserRef } from './people';
import type { Reporter } from './report';
import { Columns, headerKey, type Table } from './table';
import { cleanDomain, isEmail, parseDate, parseWholeNumber, personName } from './values';

export interface TableKind {
  kind: string;
  /** How the kind is named in "not in the export" (Account.csv, companies, …). */
  label: string;
  names: RegExp;
  /** A file whose name matches no kind is this kind when it has any of these headers. */
  headers?: readonly string[];
}

export class ImportContext {
  private readonly byKind = new Map<string, Table[]>();
  readonly missing: string[] = [];

  constructor(
    tables: readonly Table[],
    kinds: readonly TableKind[],
    private readonly userColumns: Record<string, string>,
    employeesColumn: string | undefined,
    readonly report: Reporter,
    /** A name of each table's file without folders, by table. */
    private readonly baseName: (t: Table) => string,
  ) {
    if (employeesColumn) this.userColumns = { ...userColumns, [employeesColumn]: 'employees' };
    for (const t of tables) {
      const name = this.baseName(t);
      let kind = kinds.find((k) => k.names.test(name));
      if (!kind) {
        const hs = new Set(t.headers.map(headerKey));
        kind = kinds.find((k) => k.headers?.some((h) => hs.has(headerKey(h))));
      }
      if (!kind) continue;
      const list = this.byKind.get(kind.kind);
      if (list) list.push(t);
      else this.byKind.set(kind.kind, [t]);
    }
    for (const k of kinds) if (!this.byKind.has(k.kind)) this.missing.push(k.label);
    // A columns: or employees: header no file has (a typo, or another export's language).
    const headers = new Set(tables.flatMap((t) => t.headers.map(headerKey)));
    for (const h of Object.keys(this.userColumns)) if (!headers.has(headerKey(h))) this.missing.push(`column "${h}"`);
  }

  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** Each row of every table of a kind, with its columns. */
  *rows<F extends string>(kind: string, aliases: Record<F, readonly string[]>): Generator<{ cols: Columns<F>; row: number; at: At }> {
    for (const table of this.byKind.get(kind) ?? []) {
      const cols = new Columns(table, aliases, this.userColumns);
      // One object per table, updated per row: callers copy what they keep (file, row), never `at` itself.
      const at: At = { file: table.file, row: 0 };
      const item = { cols, row: 0, at };
      for (let r = 0; r < table.length; r++) {
        item.row = r;
        at.row = table.rowNumbers[r]!;
        yield item;
      }
    }
  }

  /** YYYY-MM-DD, or '' (reported when the cell has something that is no date). */
  date(value: string, at: { file: string; row: number }, column: string): string {
    if (!value) return '';
    const d = parseDate(value);
    if (d === null) this.report.add(at.file, at.row, 'bad-date', `${column} "${value.slice(0, 40)}" is not a date`);
    return d ?? '';
  }

  /** A whole number, or 0 (reported when the cell has something that is no number). */
  number(value: string, at: { file: string; row: number }, column: string): number {
    if (!value) return 0;
    const n = parseWholeNumber(value);
    if (n === null) this.report.add(at.file, at.row, 'bad-number', `${column} "${value.slice(0, 40)}" is not a whole number`);
    return n ?? 0;
  }
}

/** An owner cell as a user reference: an email, or a display name ("Ken Sato (ken@x.example)" too). */
export function ownerRef(value: string, id = ''): UserRef | null {
  const v = value.trim();
  if (!v && !id) return null;
  const ref: UserRef = {};
  if (id) ref.id = id;
  const m = /^(.*?)\s*[(<]([^()<>\s]+@[^()<>\s]+)[)>]$/.exec(v);
  if (m) {
    if (m[1]) ref.name = m[1];
    ref.email = m[2]!;
  } else if (isEmail(v)) ref.email = v;
  else if (v) ref.name = v;
  return ref;
}

/** The user table of an export (Salesforce User.csv, the generic users.csv) by id; null without one. */
export function readUsers(ctx: ImportContext, kind: string): Map<string, CrmUser> | null {
  if (!ctx.has(kind)) return null;
  const users = new Map<string, CrmUser>();
  for (const { cols, row } of ctx.rows(kind, USER)) {
    const id = cols.get(row, 'id');
    if (id) users.set(id, { id, name: cols.get(row, 'name') || personName(cols.get(row, 'first'), cols.get(row, 'last')), email: cols.get(row, 'email'), title: cols.get(row, 'title') });
  }
  return users;
}
const USER = { id: ['Id'], first: ['FirstName', 'first_name'], last: ['LastName', 'last_name'], name: ['Name'], email: ['Email'], title: ['Title'] } as const;

/** False (and reported) when an account row lacks its id or name. */
export function hasIdAndName(ctx: ImportContext, at: At, id: string, name: string, labels: { what: string; id: string; name: string }): boolean {
  if (id && name) return true;
  ctx.report.add(at.file, at.row, 'missing-field', `${labels.what} has no ${id ? labels.name : labels.id}`);
  return false;
}

/** The domains of website / domain cells (each reported when it has none). */
export function domainsOf(ctx: ImportContext, at: At, cells: readonly string[], label: string): string[] {
  const domains: string[] = [];
  for (const cell of cells) {
    const raw = cell.trim();
    if (!raw) continue;
    const d = cleanDomain(raw);
    if (!d) ctx.report.add(at.file, at.row, 'bad-domain', `${label} "${raw.slice(0, 60)}" has no domain`);
    else if (!domains.includes(d)) domains.push(d);
  }
  return domains;
}

/** The account card's columns (issue 10): a CRM's custom fields, or name yours with `columns:`. */
export const CARD_COLUMNS = {
  plan: ['Plan', 'Plan__c', 'Subscription Plan', 'Product Plan', 'プラン', '契約プラン'],
  renewal: ['Renewal Date', 'Renewal_Date__c', 'Contract End Date', 'Next Renewal Date', '更新日', '契約更新日'],
  health: ['Health', 'Health Score', 'Health__c', 'Customer Health', 'ヘルススコア', 'ヘルス'],
} as const;

/** A health cell as a level: words (Green, Yellow, Red, At risk, 良好, 注意, 危険 …) or a 0–100 score. */
export function healthLevel(raw: string): HealthLevel | undefined {
  const s = raw.normalize('NFKC').trim().toLowerCase();
  if (!s) return undefined;
  if (/^\d+(?:\.\d+)?%?$/.test(s)) {
    const n = Number(s.replace('%', ''));
    return n >= 70 ? 'good' : n >= 40 ? 'watch' : 'at-risk';
  }
  if (/^(good|green|healthy|ok|strong|良好|健全|緑|青)/.test(s)) return 'good';
  if (/^(watch|yellow|amber|fair|neutral|medium|注意|黄)/.test(s)) return 'watch';
  if (/^(at[\s-]?risk|risk|red|poor|bad|critical|churn|危険|要注意|赤|解約)/.test(s)) return 'at-risk';
  return undefined;
}

/** The card fields of an account row (empty cells leave them out; a bad date or health is reported). */
export function cardOf(ctx: ImportContext, get: (field: keyof typeof CARD_COLUMNS) => string, at: At): Pick<CrmAccount, 'plan' | 'renewal' | 'health'> {
  const out: Pick<CrmAccount, 'plan' | 'renewal' | 'health'> = {};
  const plan = get('plan');
  if (plan) out.plan = plan.slice(0, 100);
  const renewal = ctx.date(get('renewal'), at, 'renewal');
  if (renewal) out.renewal = renewal;
  const health = get('health');
  if (health) {
    const level = healthLevel(health);
    if (level) out.health = level;
    else ctx.report.add(at.file, at.row, 'bad-value', `health "${health.slice(0, 40)}" is not good, watch or at-risk (or Green/Yellow/Red, or a 0–100 score)`);
  }
  return out;
}

/** A deal row's common fields. */
export function dealOf(at: At, d: Omit<CrmDeal, 'file' | 'row'>): CrmDeal {
  const deal = d as CrmDeal;
  deal.file = at.file;
  deal.row = at.row;
  return deal;
}
