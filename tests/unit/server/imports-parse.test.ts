/**
 * An export parsed in worker threads (imports/parse.ts) gives what the server thread alone gives:
 * the same tables, broken rows, encodings and file digests, the same first error, and the same
 * import (accounts, people, report). Real workers, started from the TypeScript source as the
 * tests run it (parse-worker.mjs registers tsx in them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExport } from '../../../bench/import';
import { readExport } from '../../../src/server/imports/files';
import { runImport } from '../../../src/server/imports/index';
import { parseFiles, workersFor, PARALLEL_MIN_BYTES, type FileBytes, type ParsedFile } from '../../../src/server/imports/parse';
import { rowsOf } from '../../../src/server/imports/table';
import type { BatonConfig, ImportConfig } from '../../../src/shared/config';

const FIXTURES = fileURLToPath(new URL('../../fixtures/imports/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'baton-parse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A parse result with plain rows and digests, to compare. */
const plain = (p: ParsedFile) =>
  p.ok ? { ok: true, headers: p.table.headers, file: p.table.file, rows: rowsOf(p.table), rowNumbers: [...p.table.rowNumbers], broken: p.broken, encoding: p.encoding, sha256: Buffer.from(p.sha256).toString('hex') } : p;

async function files(path: string): Promise<FileBytes[]> {
  const read = await readExport(path, path);
  if (!read.ok) throw new Error(read.message);
  return read.files;
}

// Quoted commas, quotes and line breaks, CRLF, a BOM, a short and a long row, an empty line,
// cp932, TSV: each file alone, and all of them as one export.
const tricky: Record<string, Uint8Array> = {
  'quoted.csv': Buffer.from('\uFEFFId,Note,,\r\n1,"one, ""two""\r\nthree",,\r\n\r\n2,plain,,\r\n'),
  'short.csv': Buffer.from('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,\n'),
  'tabs.tsv': Buffer.from('Id\tName\n1\tアクメ\n'),
  'sjis.csv': Buffer.from([0x49, 0x64, 0x2c, 0x4e, 0x61, 0x6d, 0x65, 0x0a, 0x31, 0x2c, 0x8a, 0x94, 0x8e, 0xae, 0x89, 0xef, 0x8e, 0xd0, 0x0a]), // Id,Name / 1,株式会社
};

describe('parseFiles', () => {
  it('gives the same tables with workers as in this thread: fixtures of every CRM, tricky files, a generated export', async () => {
    const dir = join(tmp, 'generated');
    writeExport(dir, { ACCOUNTS: 300, CONTACTS: 3000, DEALS: 900, MEMBERS: 3000, USERS: 20, CAMPAIGNS: 10 });
    const sets: FileBytes[][] = [
      ...(await Promise.all(['salesforce', 'hubspot', 'pipedrive', 'zoho', 'csv'].map((crm) => files(join(FIXTURES, crm))))),
      Object.entries(tricky).map(([display, bytes]) => ({ display, bytes })),
      await files(dir),
    ];
    // One export of them all (a worker start costs more than these files): every file still parses alone.
    const all = sets.flat();
    const here = (await parseFiles(all, { workers: 0 })).map(plain);
    expect(here.every((p) => p.ok)).toBe(true);
    expect(here.find((p) => p.ok && p.file === 'sjis.csv')).toMatchObject({ encoding: 'cp932', rows: [['1', '株式会社']] });
    for (const workers of [1, 2]) expect((await parseFiles(all, { workers })).map(plain)).toEqual(here);
  }, 60_000);

  it('gives the same error for a file cut inside a quoted field, and each file in order', async () => {
    const set: FileBytes[] = [
      { display: 'a.csv', bytes: Buffer.from('Id,Name\n1,one\n') },
      { display: 'cut.csv', bytes: Buffer.from('a,b\n1,2\n3,"open\n4,5\n') },
      { display: 'b.csv', bytes: Buffer.from('Id,Name\n2,two\n') },
    ];
    const here = (await parseFiles(set, { workers: 0 })).map(plain);
    expect(here[1]).toEqual({ ok: false, row: 3, message: expect.stringContaining('a quoted field never closes') });
    expect((await parseFiles(set, { workers: 2 })).map(plain)).toEqual(here);
  }, 30_000);

  it('parses a large export with workers and a small one in this thread', () => {
    const big = [{ display: 'a', bytes: new Uint8Array(PARALLEL_MIN_BYTES) }, { display: 'b', bytes: new Uint8Array(10) }];
    expect(workersFor(big.slice(1))).toBe(0);
    expect(workersFor([{ display: 'a', bytes: new Uint8Array(PARALLEL_MIN_BYTES - 11) }, big[1]!])).toBe(0);
    expect(workersFor(big)).toBe(Math.min(1, availableParallelism() - 1));
    expect(workersFor(big, 0)).toBe(0);
  });

  it('imports the same accounts, people and report with workers', async () => {
    const dir = join(tmp, 'import');
    writeExport(dir, { ACCOUNTS: 200, CONTACTS: 2000, DEALS: 600, MEMBERS: 2000, USERS: 20, CAMPAIGNS: 10 });
    // Broken rows in two files and a contact of an unknown account: the report's order is kept.
    writeFileSync(join(dir, 'Lead.csv'), 'Id,IsConverted,ConvertedDate,ConvertedAccountId,OwnerId,LeadSource\n00Q1,true,not a date,001X,005000000000000AAA,Web\n00Q2,true\n');
    const imp: ImportConfig = { from: 'salesforce', path: dir, stages: { source: 'marketing', 'deal-owner': 'sales', 'account-owner': 'success' }, columns: {}, encoding: 'auto' } as ImportConfig;
    const config: Pick<BatonConfig, 'stages' | 'people'> = {
      stages: [
        { id: 'marketing', side: 'before', label: 'Marketing' },
        { id: 'sales', side: 'before', label: 'Sales' },
        { id: 'support', side: 'self', label: 'Support' },
        { id: 'success', side: 'after', label: 'Customer Success' },
      ] as BatonConfig['stages'],
      people: [],
    };
    const run = async (workers: number) => {
      const r = await runImport(imp, 0, config, { baseDir: '/', displayDir: '', workers });
      if (!r.ok) throw new Error(r.error.message);
      return { accounts: r.built.accounts, people: r.built.people, report: r.report };
    };
    const here = await run(0);
    expect(here.report.unmappedByKind).toMatchObject({ 'broken-row': 1, 'bad-date': 1 });
    expect(here.accounts).toHaveLength(200);
    expect(await run(1)).toEqual(here);
  }, 30_000);
});
