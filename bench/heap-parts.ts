/**
 * Where the heap of a large config goes (bench/scale.ts at 1M contacts), measured in a process of
 * its own: `node --expose-gc --import tsx bench/heap-parts.ts SNAPSHOT`. It reads a config
 * snapshot (.baton/snapshots: the file the server started from, one account a line) the way the
 * server does (JSON.parse per line, its contacts packed: src/server/contacts.ts), then builds what the server builds on it, the match index
 * (src/server/match.ts) and the search index (src/server/search.ts), and prints, as one JSON line,
 * the heap in use (after a full GC) and the ArrayBuffers each step adds, in MB.
 */
import { readFileSync } from 'node:fs';
import type { BatonConfig } from '../src/shared/config';
import { contactCount, fromSnapshot } from '../src/server/contacts';
import { buildIndex } from '../src/server/match';
import { SearchIndex } from '../src/server/search';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, buffers: m.arrayBuffers / 2 ** 20 };
};

const base = used();
const lines = readFileSync(process.argv[2]!, 'utf8').split('\n');
const head = JSON.parse(lines[0]!) as { accounts: number; config: BatonConfig };
const config = head.config;
config.accounts = [];
for (let i = 1; i <= head.accounts; i++) config.accounts.push(fromSnapshot(JSON.parse(lines[i]!) as Record<string, unknown>));
lines.length = 0;
const afterConfig = used();
const match = buildIndex(config);
const afterMatch = used();
const search = SearchIndex.build(config.accounts);
const afterSearch = used();
const contacts = config.accounts.reduce((n, a) => n + contactCount(a), 0);
process.stdout.write(
  `${JSON.stringify({
    accounts: config.accounts.length,
    contacts,
    configMb: afterConfig.heap - base.heap,
    matchMb: afterMatch.heap - afterConfig.heap,
    matchBuffersMb: afterMatch.buffers - afterConfig.buffers,
    searchMb: afterSearch.heap - afterMatch.heap,
    searchBuffersMb: afterSearch.buffers - afterMatch.buffers,
    kept: match.byEmail.size + search.size,
  })}\n`,
);
