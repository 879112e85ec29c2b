/**
 * `npm run bench`: every number the product promises on speed and size, measured in one run,
 * each beside its peers, written to bench/REPORT.md and bench/results/latest.json (bench/lib/harness.ts).
 * `npm run bench -- --quick` is the smoke run CI does: tiny configs, short loads, every section.
 *
 * A section is `{ id, title, run(b: Bench) }` in its own file; to add one, import it and put it
 * in SECTIONS (b.line() writes its markdown, b.metric() its numbers, b.budget() its budget rows;
 * a function written for the old `line` style fits as `{ id, title, run: (b) => fn(b.line, …) }`).
 */
import { api } from './api';
import { configLoad } from './config-load';
import { extension } from './extension';
import { crmImport } from './import';
import { runBench, type Section } from './lib/harness';
import { loadGenerators } from './loadgen';
import { matching } from './matching';
import { profiles } from './profiles';
import { hotReload } from './reload';
import { scale } from './scale';
import { searchBench } from './search';
import { soakSection } from './soak';
import { sizes } from './sizes';
import { startup } from './startup';
import { stores } from './stores';

const SECTIONS: Section[] = [
  configLoad, // config load in process, 100k contacts
  matching, // matching in process
  loadGenerators, // wrk or autocannon (the rest uses the one that disturbs less)
  api, // GET /v1/context at 100k: Baton vs bare node:http vs the previous commit
  startup, // spawn to /healthz 200 at 100k
  scale, // 10k and 1M contacts
  hotReload, // config rewritten under load: zero failed requests
  profiles, // node --cpu-prof under load and at start
  sizes, // built content scripts
  extension, // Chromium numbers (hooks until issue 9 lands)
  stores, // SQLite, PostgreSQL, 2 × PostgreSQL behind nginx
  crmImport, // a Salesforce export to a served relay
  { id: 'search', title: 'Search: /v1/search at 100,000 contacts (issue 10)', run: (b) => searchBench(b.line) },
  soakSection, // 50 agents for 10 minutes (quick: 30 s) with config reloads, one broken (issue 11)
];

// exit: nothing a section leaves behind (an esbuild service, a keep-alive socket) keeps it open.
process.exit(await runBench(SECTIONS));
