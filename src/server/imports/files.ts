/**
 * Where an export's files come from: a folder of CSV files (and .zip files in it), one .csv, or a
 * .zip (Salesforce's weekly Data Export; a large org gets several zips: put them in one folder).
 * Zips are read with yauzl, entry by entry from the file, so an export that also holds
 * attachments costs only its CSVs in memory (measured on a 302 MB zip with 21 MB of CSV:
 * yauzl 200 ms and 92 MB peak RSS, fflate's unzipSync 520 ms and 380 MB).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type yauzl from 'yauzl';

export interface ExportFile {
  /** The name the importer looks for (Account.csv), without folders. */
  name: string;
  /** Where it is, for messages: exports/salesforce/Account.csv or export.zip:Account.csv. */
  display: string;
  bytes: Buffer;
}

export type ReadResult = { ok: true; files: ExportFile[] } | { ok: false; message: string };

const TABLE_EXT = new Set(['.csv', '.tsv', '.txt']);
const isTable = (name: string) => TABLE_EXT.has(extname(name).toLowerCase());
const isZip = (name: string) => extname(name).toLowerCase() === '.zip';

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}

async function readZip(path: string, display: string): Promise<ExportFile[]> {
  const { default: unzip } = await import('yauzl'); // loaded for a zip only (lazy.ts)
  return new Promise((resolve, reject) => {
    unzip.open(path, { lazyEntries: true, autoClose: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return reject(new Error(`not a readable zip (${err?.message ?? 'no entries'}): is it still being copied?`));
      const files: ExportFile[] = [];
      zip.on('error', (e: Error) => reject(new Error(`broken zip: ${e.message}`)));
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = basename(entry.fileName);
        if (entry.fileName.endsWith('/') || !isTable(name) || name.startsWith('._')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(new Error(`broken zip entry ${entry.fileName}: ${e?.message ?? ''}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (se: Error) => reject(new Error(`broken zip entry ${entry.fileName}: ${se.message}`)));
          stream.on('end', () => {
            files.push({ name, display: `${display}:${entry.fileName}`, bytes: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Reads every table file of an export. `display` is how the path reads in messages. */
export async function readExport(path: string, display: string): Promise<ReadResult> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith('.') && !n.startsWith('~$')).sort();
      const files: ExportFile[] = [];
      for (const n of names) {
        const full = join(path, n);
        const shown = `${display.replace(/\/$/, '')}/${n}`;
        if (isTable(n)) files.push({ name: n, display: shown, bytes: await readFile(full) });
        else if (isZip(n)) files.push(...(await readZip(full, shown)));
      }
      if (files.length === 0) return { ok: false, message: 'the folder has no .csv or .zip files' };
      return { ok: true, files };
    }
    if (isZip(path)) return { ok: true, files: await readZip(path, display) };
    return { ok: true, files: [{ name: basename(path), display, bytes: await readFile(path) }] };
  } catch (err) {
    return { ok: false, message: why(err) };
  }
}

/**
 * Size, mtime and inode of every file an export path holds (the folder's table and zip files,
 * or the file): what the watcher compares to tell that a copy has settled.
 */
export async function exportSignature(path: string): Promise<string> {
  try {
    const s = await stat(path);
    if (!s.isDirectory()) return `${s.size}:${s.mtimeMs}:${s.ino}`;
    const names = (await readdir(path)).filter((n) => !n.startsWith('.') && (isTable(n) || isZip(n))).sort();
    const parts: string[] = [];
    for (const n of names) {
      try {
        const f = await stat(join(path, n));
        parts.push(`${n}:${f.size}:${f.mtimeMs}:${f.ino}`);
      } catch {
        parts.push(`${n}:gone`);
      }
    }
    return parts.join('|') || 'empty';
  } catch {
    return 'missing';
  }
}
