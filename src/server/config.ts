/**
 * Loading the config file: parse (js-yaml), validate (valibot, src/shared/config.ts), check
 * references and duplicates, and point every error at file:line:col and a field path
 * (`baton.config.yaml:14:27 accounts[0].relay[0].person: no person "kurodaa" (did you mean
 * "kuroda"?)`). All errors are reported at once. A good file becomes a LoadedConfig: the config
 * plus what requests need ready-made (matching index, id maps, token digests).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';
import * as v from 'valibot';
import type { Document, LineCounter } from 'yaml';
import { yamlDocuments } from './lazy';
import {
  ConfigSchema,
  type BatonConfig,
  type PersonConfig,
  type StageConfig,
  type TeamConfig,
  type StageSide,
} from '../shared/config';
import type { ImportReport } from './imports/report';
import { contactCount, packAccount } from './contacts';
import { buildIndex, type MatchIndex } from './match';
import { normalizeCompany, normalizeDomain, normalizeEmail } from './normalize';
import { didYouMean } from './suggest';
import { safeHref } from '../shared/links';
import { presetSearch } from './search';
import { snapshotable, type Snapshots } from './snapshot';
import { thousands } from '../shared/numbers';

export type PathKey = string | number;

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  /** Field path like accounts[0].relay[0].person; '' for the file as a whole. */
  path: string;
  message: string;
}

export interface ConfigCounts {
  stages: number;
  people: number;
  accounts: number;
  contacts: number;
  teams: number;
  tokens: number;
  adapters: number;
}

export interface TokenEntry {
  name: string;
  person: string | null;
  digest: Buffer;
}

export interface LoadedConfig {
  file: string;
  /** SHA-256 of the file's bytes. */
  hash: string;
  loadedAt: string;
  config: BatonConfig;
  index: MatchIndex;
  stages: Map<string, StageConfig>;
  people: Map<string, PersonConfig>;
  /**
   * account id → team id → team, for the accounts with more than TEAMS_SCANNED teams (teamOf
   * scans the others' few: a Map per account was 20 MB at 100,000 accounts).
   */
  teams: Map<string, Map<string, TeamConfig>>;
  selfStage: StageConfig | null;
  tokens: TokenEntry[];
  counts: ConfigCounts;
  /** What each of the config's `imports:` read and made (empty without imports). */
  imports: ImportReport[];
  /** Absolute paths of the exports the config names: a change there reloads like a config edit. */
  watch: string[];
}

export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; errors: ConfigError[] };

/** Thrown where a config must load (server start). */
export class ConfigLoadError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(`${errors.length} error${errors.length === 1 ? '' : 's'} in the config:\n${errors.map(formatConfigError).join('\n')}`);
    this.name = 'ConfigLoadError';
  }
}

export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out;
}

export function formatConfigError(e: ConfigError): string {
  // col 0: an export file's row (file:row), not a line:column of the YAML.
  return `${e.file}:${e.line}${e.col ? `:${e.col}` : ''} ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/**
 * Bounds on what one config load may cost (issue 11): the file's size, how much YAML aliases may
 * add to what the file writes out, and how many errors are reported. A reload also runs in a
 * worker with a memory and a time limit (config-load.ts).
 */
export const CONFIG_LIMITS = {
  /** Largest config file read, in bytes (BATON_CONFIG_MAX_BYTES overrides): 64 MiB, five times the 100,000-contact bench file. */
  maxBytes: 64 * 2 ** 20,
  /** Values aliases (`*name`, `<<: *base`) may add beyond those the file writes once: a reuse of a few blocks is fine, a billion laughs is not. */
  aliasExpansion: 100_000,
  /** Deepest nesting of maps and lists. */
  maxDepth: 64,
  /** Most errors reported for one file (the count says how many more there are). */
  maxErrors: 100,
} as const;

/** The file-size cap in force: BATON_CONFIG_MAX_BYTES, else CONFIG_LIMITS.maxBytes. */
export function configMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BATON_CONFIG_MAX_BYTES);
  return Number.isSafeInteger(n) && n > 0 ? n : CONFIG_LIMITS.maxBytes;
}

/**
 * What aliases do to a parsed document: js-yaml keeps an alias as a second reference to the same
 * object, so the file is cheap to parse but every walk over it (validation, the checks) visits
 * each reference again. Counts the values a walk visits (memoised per object: linear in what the
 * file writes) and the values written; null when within the bounds, else why not.
 */
export function expansionProblem(root: unknown, limits: { aliasExpansion: number; maxDepth: number } = CONFIG_LIMITS): string | null {
  const memo = new Map<object, number>();
  let written = 0;
  let tooDeep = false;
  let cycle = false;
  const visit = (x: unknown, depth: number): number => {
    if (typeof x !== 'object' || x === null || x instanceof Date) return 1;
    const known = memo.get(x);
    if (known !== undefined) {
      if (known < 0) cycle = true;
      return Math.max(known, 1);
    }
    if (depth > limits.maxDepth) {
      tooDeep = true;
      return 1;
    }
    memo.set(x, -1);
    const values: unknown[] = Array.isArray(x) ? x : Object.values(x);
    let n = 1;
    written += 1;
    for (const v of values) {
      if (typeof v !== 'object' || v === null || v instanceof Date) written += 1;
      n += visit(v, depth + 1);
      if (cycle || tooDeep) break;
    }
    memo.set(x, n);
    return n;
  };
  const expanded = visit(root, 0);
  if (cycle) return 'YAML syntax: an alias refers to a map or list that contains it';
  if (tooDeep) return `maps and lists nest deeper than ${limits.maxDepth} levels`;
  const added = expanded - written;
  if (added > limits.aliasExpansion) {
    return `YAML aliases make ${thousands(expanded)} values out of the ${thousands(written)} the file writes: at most ${thousands(limits.aliasExpansion)} more are allowed — write the repeated parts out (or use fewer aliases)`;
  }
  return null;
}

/** A `*` where YAML could read an alias: at a value's start (after a space, `[`, `{`, `,`, `:` or `-`, or a line's start). */
const MAY_HAVE_ALIAS = /(?:^|[\s[{,:-])\*[^\s,[\]{}]/m;

/** js-yaml's core schema (dates stay text, so they can be checked as written) plus `<<` merges. */
const YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

/** Finds line:col of a field path in the source, parsing positions only when an error needs them. */
class Locator {
  private doc: Document | undefined;
  private lines: LineCounter | undefined;
  constructor(private readonly text: string) {}

  private document(): Document {
    if (!this.doc) {
      const { LineCounter, parseDocument } = yamlDocuments();
      this.lines = new LineCounter();
      this.doc = parseDocument(this.text, { lineCounter: this.lines, merge: true, uniqueKeys: false, prettyErrors: false });
    }
    return this.doc;
  }

  /** Position of the value at `path` (or of its key, with `key`); the nearest existing parent otherwise. */
  at(path: readonly PathKey[], key = false): { line: number; col: number } {
    const doc = this.document();
    const lines = this.lines!;
    const { isMap, isScalar } = yamlDocuments();
    if (key && path.length > 0) {
      const parent = doc.getIn(path.slice(0, -1), true);
      const last = path[path.length - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        if (pair && isScalar(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lines.linePos(range[0]);
    }
    return { line: 1, col: 1 };
  }

  line(path: readonly PathKey[]): number {
    return this.at(path).line;
  }
}

interface Problem {
  path: PathKey[];
  message: string;
  /** Point at the key rather than the value (unknown fields). */
  key?: boolean;
}

type SchemaNode = { type: string; wrapped?: SchemaNode; entries?: Record<string, SchemaNode>; item?: SchemaNode };

/** The schema at a path, for listing the fields a map allows. */
function schemaAt(path: readonly PathKey[]): SchemaNode | undefined {
  let s: SchemaNode | undefined = ConfigSchema as unknown as SchemaNode;
  const unwrap = (x: SchemaNode | undefined) => {
    while (x?.wrapped) x = x.wrapped;
    return x;
  };
  for (const key of path) {
    s = unwrap(s);
    if (!s) return undefined;
    if (s.entries) s = s.entries[String(key)];
    else if (s.item) s = s.item;
    else return undefined;
  }
  return unwrap(s);
}

function schemaProblems(issues: readonly v.BaseIssue<unknown>[]): Problem[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => p.key as PathKey);
    if (issue.expected === 'never' && path.length > 0) {
      const name = String(path[path.length - 1]);
      const allowed = Object.keys(schemaAt(path.slice(0, -1))?.entries ?? {});
      const hint = didYouMean(name, allowed) || (allowed.length ? ` (fields here: ${allowed.join(', ')})` : '');
      return { path, key: true, message: `unknown field "${name}"${hint}` };
    }
    if (issue.input === undefined && path.length === 1 && path[0] === 'version') {
      return { path, message: 'is missing: add "version: 1" at the top of the file' };
    }
    return { path, message: issue.message };
  });
}

/** " (did you mean …?)", else the ids there are when they are few. */
function hint(word: string, ids: Iterable<string>): string {
  const list = [...ids];
  const guess = didYouMean(word, list);
  if (guess) return guess;
  if (list.length === 0) return ': there are none yet';
  return list.length <= 10 ? ` (there are: ${list.join(', ')})` : '';
}

// ——— cross-references and duplicates, on the raw parsed data (so they run even when the
// schema found problems elsewhere). Values of the wrong type are skipped: the schema names them.

type Raw = Record<string, unknown>;
const isMapValue = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
const itemsOf = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const textOf = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined);

function crossCheck(raw: Raw, lineOf: (path: readonly PathKey[]) => number): Problem[] {
  const problems: Problem[] = [];
  const report = (path: PathKey[], message: string) => problems.push({ path, message });
  const where = (path: readonly PathKey[]) => `${formatPath(path)}, line ${lineOf(path)}`;

  /** Registers `value` under `seen`, reporting a second use. */
  const once = <T>(seen: Map<string, { path: PathKey[]; owner: T }>, value: string, path: PathKey[], owner: T, describe: (first: { path: PathKey[]; owner: T }) => string) => {
    const first = seen.get(value);
    if (first) report(path, describe(first));
    else seen.set(value, { path, owner });
  };

  // Stages
  const stages = new Map<string, { path: PathKey[]; owner: StageSide | undefined }>();
  let selfStage: { id: string; path: PathKey[] } | undefined;
  itemsOf(raw.stages).forEach((s, i) => {
    if (!isMapValue(s)) return;
    const id = textOf(s.id);
    const side = typeof s.side === 'string' ? (s.side as StageSide) : undefined;
    if (id) once(stages, id, ['stages', i, 'id'], side, (f) => `stage id "${id}" is used twice (first at ${where(f.path)})`);
    if (side === 'self' && id) {
      if (selfStage) report(['stages', i, 'side'], `only one stage can be side: self (support's own stage), and "${selfStage.id}" already is (${where(selfStage.path)})`);
      else selfStage = { id, path: ['stages', i, 'id'] };
    }
  });
  const stageRef = (path: PathKey[], value: unknown) => {
    const id = textOf(value);
    if (id && !stages.has(id)) report(path, `no stage "${id}"${hint(id, stages.keys())}`);
  };

  // People
  const people = new Map<string, { path: PathKey[]; owner: null }>();
  itemsOf(raw.people).forEach((p, i) => {
    if (!isMapValue(p)) return;
    const id = textOf(p.id);
    if (id) once(people, id, ['people', i, 'id'], null, (f) => `person id "${id}" is used twice (first at ${where(f.path)})`);
  });
  itemsOf(raw.people).forEach((p, i) => {
    if (isMapValue(p) && p.stage !== undefined) stageRef(['people', i, 'stage'], p.stage);
  });
  const personRef = (path: PathKey[], value: unknown) => {
    const id = textOf(value);
    if (id && !people.has(id)) report(path, `no person "${id}"${hint(id, people.keys())}`);
  };

  // Accounts
  const accountIds = new Map<string, { path: PathKey[]; owner: null }>();
  const domains = new Map<string, { path: PathKey[]; owner: string }>();
  const names = new Map<string, { path: PathKey[]; owner: string }>();
  const emails = new Map<string, { path: PathKey[]; owner: string }>();
  itemsOf(raw.accounts).forEach((a, i) => {
    if (!isMapValue(a)) return;
    const base: PathKey[] = ['accounts', i];
    const id = textOf(a.id) ?? `accounts[${i}]`;
    if (textOf(a.id)) once(accountIds, id, [...base, 'id'], null, (f) => `account id "${id}" is used twice (first at ${where(f.path)})`);

    itemsOf(a.domains).forEach((d, j) => {
      const domain = textOf(d) && normalizeDomain(textOf(d)!);
      if (!domain) return;
      once(domains, domain, [...base, 'domains', j], id, (f) =>
        f.owner === id
          ? `domain "${domain}" is listed twice in this account (first at ${where(f.path)})`
          : `domain "${domain}" is claimed by two accounts: "${f.owner}" has it already (${where(f.path)})`,
      );
    });

    const companyNames: [PathKey[], unknown][] = [[[...base, 'name'], a.name], ...itemsOf(a.aliases).map((n, j): [PathKey[], unknown] => [[...base, 'aliases', j], n])];
    const ownKeys = new Set<string>();
    for (const [path, value] of companyNames) {
      const name = textOf(value);
      const key = name && normalizeCompany(name);
      if (!key || ownKeys.has(key)) continue;
      ownKeys.add(key);
      once(names, key, path, id, (f) => `company name "${name}" reads the same as a name of account "${f.owner}" (${where(f.path)}): matching by company could not tell them apart`);
    }

    itemsOf(a.relay).forEach((h, j) => {
      if (!isMapValue(h)) return;
      stageRef([...base, 'relay', j, 'stage'], h.stage);
      personRef([...base, 'relay', j, 'person'], h.person);
    });
    itemsOf(a.next).forEach((n, j) => {
      if (!isMapValue(n)) return;
      stageRef([...base, 'next', j, 'stage'], n.stage);
      personRef([...base, 'next', j, 'person'], n.person);
    });

    const teams = new Map<string, { path: PathKey[]; owner: null }>();
    itemsOf(a.teams).forEach((t, j) => {
      const teamId = isMapValue(t) ? textOf(t.id) : undefined;
      if (teamId) once(teams, teamId, [...base, 'teams', j, 'id'], null, (f) => `team id "${teamId}" is used twice in this account (first at ${where(f.path)})`);
    });
    itemsOf(a.contacts).forEach((c, j) => {
      if (!isMapValue(c)) return;
      const email = textOf(c.email);
      if (email) {
        once(emails, normalizeEmail(email), [...base, 'contacts', j, 'email'], id, (f) =>
          `contact "${email}" is listed twice (first at ${where(f.path)}${f.owner === id ? '' : `, account "${f.owner}"`}): an email can belong to one contact only`,
        );
      }
      const team = textOf(c.team);
      if (team && !teams.has(team)) {
        report(
          [...base, 'contacts', j, 'team'],
          teams.size === 0
            ? `no team "${team}": account "${id}" has no teams (add them under its teams:)`
            : `no team "${team}" in account "${id}"${didYouMean(team, teams.keys())}`,
        );
      }
    });
  });

  // Tokens
  const tokenNames = new Map<string, { path: PathKey[]; owner: null }>();
  const digests = new Map<string, { path: PathKey[]; owner: string }>();
  itemsOf(raw.tokens).forEach((t, i) => {
    if (!isMapValue(t)) return;
    const name = textOf(t.name);
    if (name) once(tokenNames, name, ['tokens', i, 'name'], null, (f) => `token name "${name}" is used twice (first at ${where(f.path)})`);
    const sha = textOf(t.sha256)?.toLowerCase();
    if (sha && /^[0-9a-f]{64}$/.test(sha)) once(digests, sha, ['tokens', i, 'sha256'], name ?? '', (f) => `the same token hash as token "${f.owner}" (${where(f.path)}): give each token its own secret`);
    if (t.person !== undefined) personRef(['tokens', i, 'person'], t.person);
  });

  // Imports: every stage a role maps to exists
  itemsOf(raw.imports).forEach((imp, i) => {
    if (!isMapValue(imp) || !isMapValue(imp.stages)) return;
    for (const [role, stage] of Object.entries(imp.stages)) stageRef(['imports', i, 'stages', role], stage);
  });

  // Adapters
  const adapterIds = new Map<string, { path: PathKey[]; owner: null }>();
  itemsOf(raw.adapters).forEach((ad, i) => {
    const id = isMapValue(ad) ? textOf(ad.id) : undefined;
    if (id) once(adapterIds, id, ['adapters', i, 'id'], null, (f) => `adapter id "${id}" is used twice (first at ${where(f.path)})`);
  });

  return problems;
}

/**
 * References of `products:` and `leads:` (issue 10): each area's builders and owner are people
 * of the config, its stage is known (given, or the first builder's own), ids are unique; the
 * leads stage is a stage before support.
 */
function productsCheck(raw: Raw, lineOf: (path: readonly PathKey[]) => number): Problem[] {
  const problems: Problem[] = [];
  const stages = new Map<string, string>();
  for (const st of itemsOf(raw.stages)) if (isMapValue(st) && textOf(st.id)) stages.set(textOf(st.id)!, String(st.side));
  const people = new Map<string, Raw>();
  for (const p of itemsOf(raw.people)) if (isMapValue(p) && textOf(p.id)) people.set(textOf(p.id)!, p);
  const ids = new Map<string, PathKey[]>();
  itemsOf(raw.products).forEach((pr, i) => {
    if (!isMapValue(pr)) return;
    const base: PathKey[] = ['products', i];
    const id = textOf(pr.id);
    if (id) {
      const first = ids.get(id);
      if (first) problems.push({ path: [...base, 'id'], message: `product id "${id}" is used twice (first at ${formatPath(first)}, line ${lineOf(first)})` });
      else ids.set(id, [...base, 'id']);
    }
    const person = (path: PathKey[], value: unknown): Raw | undefined => {
      const pid = textOf(value);
      if (!pid) return undefined;
      const found = people.get(pid);
      if (!found) problems.push({ path, message: `no person "${pid}"${hint(pid, people.keys())}` });
      return found;
    };
    const builders = itemsOf(pr.builtBy);
    if (Array.isArray(pr.builtBy) && builders.length === 0) problems.push({ path: [...base, 'builtBy'], message: 'should name at least one person (people[].id) who built it' });
    const first = builders.map((b, j) => person([...base, 'builtBy', j], b))[0];
    const stage = textOf(pr.stage);
    if (stage && !stages.has(stage)) problems.push({ path: [...base, 'stage'], message: `no stage "${stage}"${hint(stage, stages.keys())}` });
    else if (!stage && first && !textOf(first.stage)) {
      problems.push({ path: [...base, 'builtBy', 0], message: `person "${textOf(builders[0])}" has no stage: give them one (people[].stage) or give the area a stage: (the builders' stage, like product)` });
    }
    if (pr.owner !== undefined) {
      const owner = person([...base, 'owner'], pr.owner);
      if (owner && !textOf(owner.stage)) problems.push({ path: [...base, 'owner'], message: `person "${textOf(pr.owner)}" has no stage: the owner shows with their stage (people[].stage)` });
    }
  });
  if (isMapValue(raw.leads)) {
    const stage = textOf(raw.leads.stage);
    if (stage && !stages.has(stage)) problems.push({ path: ['leads', 'stage'], message: `no stage "${stage}"${hint(stage, stages.keys())}` });
    else if (stage && stages.get(stage) !== 'before') problems.push({ path: ['leads', 'stage'], message: `stage "${stage}" is not before support (side: before): new leads go to a stage before support, like inside-sales` });
  }
  return problems;
}

/** Up to this many teams, an account's team is found by scanning them (teamOf), without a Map. */
export const TEAMS_SCANNED = 8;

/**
 * A validated config (with any imported accounts joined in) made ready for requests: its
 * accounts' contacts packed (contacts.ts: `config.accounts` is given the packed accounts, the
 * same fields in the same order), then the indexes built.
 */
export function prepare(config: BatonConfig, file: string, hash: string, imports: ImportReport[] = [], watch: string[] = []): LoadedConfig {
  const { accounts } = config;
  for (let i = 0; i < accounts.length; i++) accounts[i] = packAccount(accounts[i]!);
  const stages = new Map(config.stages.map((s) => [s.id, s]));
  // Each link once through the sidebar's own test (src/shared/links.ts): an answer never carries
  // a link the sidebar would refuse — also from an import, which has no schema check of its own.
  const people = new Map(config.people.map((p) => [p.id, p.chat && safeHref(p.chat) !== p.chat ? { ...p, chat: safeHref(p.chat) ?? '' } : p]));
  const counts: ConfigCounts = {
    stages: config.stages.length,
    people: config.people.length,
    accounts: config.accounts.length,
    contacts: config.accounts.reduce((n, a) => n + contactCount(a), 0),
    teams: config.accounts.reduce((n, a) => n + a.teams.length, 0),
    tokens: config.tokens.length,
    adapters: config.adapters.length,
  };
  return {
    file,
    hash,
    loadedAt: new Date().toISOString(),
    config,
    index: buildIndex(config),
    stages,
    people,
    teams: new Map(config.accounts.filter((a) => a.teams.length > TEAMS_SCANNED).map((a) => [a.id, new Map(a.teams.map((t) => [t.id, t]))])),
    selfStage: config.stages.find((s) => s.side === 'self') ?? null,
    tokens: config.tokens.map((t) => ({ name: t.name, person: t.person ?? null, digest: Buffer.from(t.sha256, 'hex') })),
    counts,
    imports,
    watch,
  };
}

/** Parses and checks config text. `file` is the name errors carry; `hash` the text's SHA-256 when the caller has it. */
export function parseConfig(text: string, file: string, hash = createHash('sha256').update(text).digest('hex')): LoadResult {
  const at = (line: number, col: number, path: string, message: string): ConfigError => ({ file, line, col, path, message });

  let raw: unknown;
  try {
    raw = yaml.load(text, { schema: YAML_SCHEMA, filename: file });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      return { ok: false, errors: [at(err.mark.line + 1, err.mark.column + 1, '', `YAML syntax: ${err.reason}`)] };
    }
    if (err instanceof RangeError) {
      return { ok: false, errors: [at(1, 1, '', `maps and lists nest deeper than ${CONFIG_LIMITS.maxDepth} levels (the parser ran out of stack)`)] };
    }
    throw err;
  }
  if (!isMapValue(raw)) {
    return { ok: false, errors: [at(1, 1, '', 'the file should be a map of fields (version:, organization:, stages:, …), but it is ' + (raw == null ? 'empty' : 'not'))] };
  }
  // Only a file with an alias (`*name`, also in `<<: *base`) can expand: the walk (about 150 ms on
  // the 100,000-contact bench file) is skipped for the others. A `*` in text only costs the walk.
  const expansion = MAY_HAVE_ALIAS.test(text) ? expansionProblem(raw) : null;
  if (expansion) return { ok: false, errors: [at(1, 1, '', expansion)] };

  const locator = new Locator(text);
  const result = v.safeParse(ConfigSchema, raw, { abortEarly: false, abortPipeEarly: true });
  const problems = [...(result.success ? [] : schemaProblems(result.issues)), ...crossCheck(raw, (p) => locator.line(p)), ...productsCheck(raw, (p) => locator.line(p))];
  if (result.success && problems.length === 0) return { ok: true, loaded: prepare(result.output, file, hash) };

  const seen = new Set<string>();
  const errors: ConfigError[] = [];
  let more = 0;
  for (const p of problems) {
    const path = formatPath(p.path);
    if (seen.has(path)) continue; // one message per field: the first (the schema's) is the cause
    seen.add(path);
    if (errors.length >= CONFIG_LIMITS.maxErrors) {
      more++; // counted, not located: a file of a million mistakes costs no more than a hundred
      continue;
    }
    const pos = locator.at(p.path, p.key);
    errors.push(at(pos.line, pos.col, path, p.message));
  }
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  if (more > 0) errors.push(at(errors[errors.length - 1]?.line ?? 1, 0, '', `… and ${thousands(more)} more error${more === 1 ? '' : 's'} (the first ${CONFIG_LIMITS.maxErrors} are listed: fix those first)`));
  return { ok: false, errors };
}

/** A read error as a ConfigError on the file itself. */
function readError(displayName: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : String((err as Error).message);
  return { file: displayName, line: 1, col: 1, path: '', message: `cannot read the config: ${why}` };
}

/** The config file's text (BOM removed), size-capped before it is read; or the error. */
export async function readConfigText(path: string, displayName = path): Promise<{ ok: true; text: string } | { ok: false; errors: ConfigError[] }> {
  const read = await readConfigBytes(path, displayName);
  return read.ok ? { ok: true, text: read.bytes.toString('utf8') } : read;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The config file's bytes (size-capped), less a leading BOM: as readConfigText's text decoded, so
 * the same hash when they are valid UTF-8 (a start from a snapshot then never makes the text: at
 * a million contacts a 138 MiB string kept while the snapshot is parsed and the indexes built).
 */
async function readConfigBytes(path: string, displayName: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; errors: ConfigError[] }> {
  const max = configMaxBytes();
  try {
    const size = (await stat(path)).size;
    if (size > max) {
      return { ok: false, errors: [{ file: displayName, line: 1, col: 1, path: '', message: `the file is ${(size / 2 ** 20).toFixed(1)} MiB: at most ${(max / 2 ** 20).toFixed(0)} MiB are read (BATON_CONFIG_MAX_BYTES raises it; CRM exports belong in imports:)` }] };
    }
    const bytes = await readFile(path);
    return { ok: true, bytes: bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes };
  } catch (err) {
    return { ok: false, errors: [readError(displayName, err)] };
  }
}

/** Checks config text read from `path` and joins in the exports its imports: name. */
export async function loadConfigText(text: string, path: string, displayName = path, hash?: string): Promise<LoadResult> {
  const parsed = parseConfig(text, displayName, hash);
  if (!parsed.ok || parsed.loaded.config.imports.length === 0) return parsed;
  return withImports(parsed.loaded, text, path, displayName);
}

/** How a start's load went with snapshots (snapshot.ts): taken from one, or loaded in full and one can be written. */
export type SnapshotUse = { from: 'snapshot' } | { from: 'file'; save: (() => Promise<void>) | null };

/**
 * Reads and checks a config file in this thread (start-up, tests); a missing or unreadable file is
 * an error like any other. With `snapshots`, a config whose exact text passed the checks before is
 * taken from its snapshot, and a full load of a config without imports: can be saved as one.
 */
export async function loadConfigFile(path: string, displayName = path, snapshots?: Snapshots | null): Promise<LoadResult & { snapshot?: SnapshotUse }> {
  if (!snapshots) {
    const read = await readConfigText(path, displayName);
    return read.ok ? loadConfigText(read.text, path, displayName) : read;
  }
  // Only the hash is kept: the file's bytes are let go while the snapshot is read (138 MiB at a million contacts).
  const first = await hashConfigFile(path, displayName).then((r) => (r.ok ? { ok: true as const, hash: r.hash } : r));
  if (!first.ok) return first;
  const keptKey = snapshots.key(first.hash);
  const kept = await snapshots.read(keptKey);
  if (kept) {
    const loaded = prepare(kept, displayName, first.hash);
    // Its search index as saved beside it, when it was (else it is built, as for any config).
    const index = await snapshots.readSearch(keptKey, loaded.config.accounts);
    if (index) presetSearch(loaded, index);
    return { ok: true, loaded, snapshot: { from: 'snapshot' } };
  }
  // None: read again for the full load (the file may have changed since: its hash is worked out again).
  const read = await hashConfigFile(path, displayName);
  if (!read.ok) return read;
  const key = snapshots.key(read.hash);
  const result = await loadConfigText(read.text(), path, displayName, read.hash);
  if (!result.ok) return result;
  const config = result.loaded.config;
  // Saved once the server serves; its search index once built (the first request starts it).
  const save = async () => {
    await snapshots.write(key, config, { share: 0.25 });
    await snapshots.saveSearch(key, result.loaded);
  };
  return { ...result, snapshot: { from: 'file', save: snapshotable(config) ? save : null } };
}

/** A config file's hash (as a reload works it out from its text) and a way to its text. */
async function hashConfigFile(path: string, displayName: string): Promise<{ ok: true; hash: string; text: () => string } | { ok: false; errors: ConfigError[] }> {
  const read = await readConfigBytes(path, displayName);
  if (!read.ok) return read;
  // Valid UTF-8 decodes to a text whose UTF-8 is these bytes: the text's hash (as a reload's,
  // holder.ts). Otherwise (replacement characters) the text is made first and hashed.
  const { bytes } = read;
  const text = isUtf8(bytes) ? null : bytes.toString('utf8');
  const hash = createHash('sha256')
    .update(text ?? bytes)
    .digest('hex');
  return { ok: true, hash, text: () => text ?? bytes.toString('utf8') };
}

/** Reads the exports a parsed config names and joins their accounts in (src/server/imports/). */
async function withImports(parsed: LoadedConfig, text: string, path: string, displayName: string): Promise<LoadResult> {
  const { applyImports } = await import('./imports/index');
  const hash = createHash('sha256').update(text);
  const result = await applyImports(parsed.config, { baseDir: dirname(resolve(path)), displayDir: dirname(displayName), hash });
  if (!result.ok) {
    const locator = new Locator(text);
    return {
      ok: false,
      errors: result.errors.map((e): ConfigError => {
        if (e.file) return { file: e.file, line: e.row ?? 1, col: 0, path: `imports[${e.index}]`, message: e.message };
        const pos = locator.at(['imports', e.index, 'path']);
        return { file: displayName, line: pos.line, col: pos.col, path: `imports[${e.index}].path`, message: e.message };
      }),
    };
  }
  return { ok: true, loaded: prepare(result.config, displayName, hash.digest('hex'), result.reports, result.watch) };
}

/** "8 stages, 12 people, 8 accounts, 19 contacts" */
export function describeCounts(c: ConfigCounts): string {
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  return `${n(c.stages, 'stage', 'stages')}, ${n(c.people, 'person', 'people')}, ${n(c.accounts, 'account', 'accounts')}, ${n(c.contacts, 'contact', 'contacts')}`;
}
