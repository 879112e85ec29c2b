#!/usr/bin/env node
// `npx baton …` — works right after `npm install`: the server runs as built JavaScript
// (build/server/, made by `npm install`'s prepare step, rebuilt here when a source changed since;
// scripts/build-server.mjs), and through tsx from the TypeScript only when it cannot be built or
// with BATON_TSX=1 (development). The commands live in src/server/cli.ts.
import { serverBuild } from '../scripts/build-server.mjs';

const built = await serverBuild();
let main;
if (built) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('../src/server/cli.ts', import.meta.url).href));
}
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
