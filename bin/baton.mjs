#!/usr/bin/env node
// `npx baton …` — works right after `npm install`, no build step: tsx compiles the server's
// TypeScript on the fly. The commands live in src/server/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/server/cli.ts', import.meta.url).href);
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
