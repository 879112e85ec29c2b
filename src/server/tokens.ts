/**
 * `npx baton token add NAME [--person ID] [--config FILE]` and `npx baton token remove NAME`:
 * per-agent tokens made easy. `add` makes a strong random token, prints it once (stdout), and
 * writes its SHA-256 entry into the config's `tokens:` — through the `yaml` package's Document
 * API, so the file keeps its comments, order and layout — then swaps the file in by rename, so a
 * running server (which watches the file) reloads it whole. The token itself is never written.
 * A token with `--person` writes notes and thanks as that person (`verified: true`).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Document, YAMLMap } from 'yaml';
import { ID_PATTERN } from '../shared/config';
import { formatConfigError, parseConfig } from './config';
import { yamlDocuments } from './lazy';
import { sha256Hex } from './security';

// The `yaml` package is loaded when a token command runs, not at every server start (lazy.ts).
type Yaml = typeof import('yaml');
const parseDocument = ((text: string) => yamlDocuments().parseDocument(text)) as Yaml['parseDocument'];
const isMap = ((node: unknown) => yamlDocuments().isMap(node)) as Yaml['isMap'];
const isScalar = ((node: unknown) => yamlDocuments().isScalar(node)) as Yaml['isScalar'];
const isSeq = ((node: unknown) => yamlDocuments().isSeq(node)) as Yaml['isSeq'];

interface TokenIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const TOKEN_HELP = `  npx baton token add NAME [--person ID] [--config FILE]
                                       make a token for one agent (or desk): prints it once,
                                       writes its sha256 into tokens: (comments kept); with
                                       --person, notes and thanks are written as that person
  npx baton token remove NAME [--config FILE]
                                       revoke a token (the running server reloads)
`;

/** A new token: 32 random bytes, URL-safe, with a prefix that says what it is (secret scanners find it). */
export function newToken(): string {
  return `baton_${randomBytes(32).toString('base64url')}`;
}

/** The config document, or why it cannot be edited safely. */
async function openDocument(file: string): Promise<{ doc: Document; text: string } | { error: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { error: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` };
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { error: `${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it first (npx baton check ${file})` };
  if (!isMap(doc.contents)) return { error: `${file} is not a map of fields: fix it first (npx baton check ${file})` };
  return { doc, text };
}

/** Writes `text` next to `file` and renames it over, keeping the file's mode: a watcher never sees half a file. */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const mode = (await stat(file)).mode & 0o777;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

function tokenNames(doc: Document): string[] {
  const tokens = doc.get('tokens', true);
  if (!isSeq(tokens)) return [];
  return tokens.items.map((t) => (isMap(t) ? String(t.get('name') ?? '') : ''));
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const n = text.indexOf('\n', at);
  return n < 0 ? text.length : n;
};

/**
 * `text` with `entry` (a one-line flow map) appended to `tokens:`, edited in place: only the new
 * item is added, every other byte of the file stays as it was (comments, alignment, quoting).
 * The Document gives the positions; the text is spliced.
 */
export function addTokenText(text: string, doc: Document, entry: string): string {
  const root = doc.contents as YAMLMap;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'tokens');
  const seq = pair?.value;
  if (isSeq(seq) && seq.range) {
    if (seq.flow) {
      // tokens: [ a, b ] → tokens: [ a, b, entry ]
      const close = text.lastIndexOf(']', seq.range[1]);
      const before = text.slice(0, close).trimEnd();
      const sep = before.endsWith('[') ? ' ' : ', ';
      return `${before}${sep}${entry} ${text.slice(close)}`;
    }
    const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] } | undefined;
    if (last?.range) {
      const start = lineStart(text, last.range[0]);
      const prefix = text.slice(start, last.range[0]);
      const indent = /^\s*-\s+$/.test(prefix) ? prefix : `${/^\s*/.exec(prefix)![0]}- `;
      const end = lineEnd(text, last.range[1] > 0 ? last.range[1] - 1 : last.range[1]);
      return `${text.slice(0, end)}\n${indent}${entry}${text.slice(end)}`;
    }
  }
  if (pair && isScalar(pair.key) && pair.key.range) {
    // tokens: (empty) → a block list under it
    const end = lineEnd(text, pair.key.range[0]);
    return `${text.slice(0, end)}\n  - ${entry}${text.slice(end)}`;
  }
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}tokens:\n  - ${entry}\n`;
}

/** `text` without item `index` of `tokens:` (its whole line in a block list). */
export function removeTokenText(text: string, doc: Document, index: number): string {
  const seq = doc.get('tokens', true);
  const item = isSeq(seq) ? (seq.items[index] as { range?: [number, number, number] } | undefined) : undefined;
  if (isSeq(seq) && !seq.flow && item?.range) {
    const start = lineStart(text, item.range[0]);
    const end = lineEnd(text, item.range[1] > 0 ? item.range[1] - 1 : item.range[1]);
    if (seq.items.length > 1 || /^\s*-\s/.test(text.slice(start, item.range[0]))) return text.slice(0, start) + text.slice(Math.min(text.length, end + 1));
  }
  // A flow list (or an unusual layout): let the Document write it.
  (seq as { items: unknown[] }).items.splice(index, 1);
  return doc.toString();
}

export async function tokenCommand(args: string[], io: TokenIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { person: { type: 'string' }, config: { type: 'string' } } });
  const [action, name, ...extra] = positionals;
  const file = values.config ?? 'baton.config.yaml';
  if ((action !== 'add' && action !== 'remove') || !name || extra.length > 0) {
    io.stderr(`token: say what to do:\n${TOKEN_HELP}`);
    return 2;
  }
  if (!ID_PATTERN.test(name) || name.length > 100) {
    io.stderr(`token: "${name.slice(0, 100)}" is not a token name: use letters, digits, ".", "_" or "-" (like aiko or support-desk)\n`);
    return 2;
  }
  const opened = await openDocument(file);
  if ('error' in opened) {
    io.stderr(`token: ${opened.error}\n`);
    return 1;
  }
  const { doc } = opened;
  const names = tokenNames(doc);

  if (action === 'remove') {
    const index = names.indexOf(name);
    if (index < 0) {
      io.stderr(`token: no token "${name}" in ${file}${names.length ? ` (there are: ${names.join(', ')})` : ''}\n`);
      return 1;
    }
    await replaceFile(file, removeTokenText(opened.text, doc, index));
    io.stderr(`token "${name}" removed from ${file}: a running server stops accepting it once it reloads (within a second or two)\n`);
    return 0;
  }

  if (values.person !== undefined && !ID_PATTERN.test(values.person)) {
    io.stderr(`token: --person "${values.person.slice(0, 100)}" is not a person id\n`);
    return 2;
  }
  if (names.includes(name)) {
    io.stderr(`token: ${file} has a token "${name}" already: pick another name, or remove it first (npx baton token remove ${name})\n`);
    return 1;
  }
  const token = newToken();
  const entry = `{ name: ${name}, sha256: '${sha256Hex(token)}'${values.person !== undefined ? `, person: ${values.person}` : ''} }`;
  const text = addTokenText(opened.text, doc, entry);

  // The new entry must be right where it stands (an unknown --person, say); the rest is the file's own business.
  const checked = parseConfig(text, file);
  const index = tokenNames(parseDocument(text)).indexOf(name);
  if (index < 0) {
    io.stderr(`token: could not add the entry to ${file}'s tokens: (an unusual layout?): add it by hand: - ${entry.replace(/sha256: '[0-9a-f]+'/, "sha256: '<npx baton hash-token>'")}\n`);
    return 1;
  }
  const own = checked.ok ? [] : checked.errors.filter((e) => e.path.startsWith(`tokens[${index}]`));
  if (own.length > 0) {
    for (const e of own) io.stderr(`${formatConfigError(e)}\n`);
    io.stderr(`token: ${file} not changed\n`);
    return 1;
  }
  await replaceFile(file, text);
  io.stdout(`${token}\n`);
  io.stderr(
    `token "${name}"${values.person ? ` for ${values.person}` : ' (shared: no person)'} added to ${file}; the line above is the token, shown this once —\n` +
      `give it to the agent (the extension's options page, or managed settings). A running server accepts it once it reloads (within a second or two).\n` +
      (checked.ok ? '' : `note: ${file} has other errors (npx baton check ${file}): the server keeps its last good config until they are fixed\n`),
  );
  return 0;
}
