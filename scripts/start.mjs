#!/usr/bin/env node
/**
 * `npm start`: build the extension for Chrome and Firefox with the demo API address and token
 * baked in, start the context API with the demo config (baton.config.yaml) and the demo help
 * desk at /demo/, then say what to do next.
 *
 *   npm start [-- --port 8787] [--config FILE] [--no-build]
 *   BATON_CONFIG=demo/crm.config.yaml npm start     the relay imported from demo CRM exports
 */
import { parseArgs } from 'node:util';
import { resolve, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    config: { type: 'string', default: process.env.BATON_CONFIG || 'baton.config.yaml' },
    'no-build': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a port number (got ${values.port})`);
  process.exit(2);
}

if (!values['no-build']) {
  process.env.BATON_DEMO = '1';
  process.env.BATON_DEMO_API = `http://127.0.0.1:${port}`;
  const { buildExtension } = await import('./build.mjs');
  const results = await buildExtension({ quiet: true });
  for (const r of results) console.log(`✓ built ${r.browser}: ${relative(process.cwd(), r.outDir)}/`);
}

const { startServer } = await tsImport(resolve(root, 'src/server/serve.ts'), import.meta.url);
let server;
try {
  server = await startServer({
    configPath: resolve(root, values.config),
    port,
    host: '127.0.0.1',
    demoDir: resolve(root, 'demo/desk'),
  });
} catch (e) {
  if (e?.code === 'EADDRINUSE') {
    console.error(`Port ${port} on 127.0.0.1 is taken (another npm start?). Stop it, or run: npm start -- --port 8788`);
  } else {
    console.error(e?.message ?? e);
  }
  process.exit(1);
}
const rel = (p) => relative(process.cwd(), resolve(root, p)) || '.';
console.log(`
Baton is running.

  1. Load the extension:
       Chrome/Chromium: chrome://extensions → Developer mode → Load unpacked → ${rel('dist/chrome')}
       Firefox:         about:debugging#/runtime/this-firefox → Load Temporary Add-on → ${rel('dist/firefox/manifest.json')}
  2. Open the demo help desk: ${server.url}/demo/tickets/1
     Baton's toolbar button (or Alt+Shift+B) opens its side panel; in Firefox its sidebar is
     open from install. The demo build is already set to ${server.url} with the token
     baton-demo-token (Baton settings → "Test connection" checks it; "Where Baton shows"
     switches to the sidebar inline, beside the page).

Edit ${values.config} and save: the API reloads it. Ctrl+C stops.
`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
