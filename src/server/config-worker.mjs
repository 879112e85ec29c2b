// The config worker's entry while the server runs from TypeScript source (bin/baton.mjs, tests):
// a worker thread does not inherit tsx from its parent, so it registers tsx itself, then loads
// the TypeScript worker. Built JavaScript uses config-worker.js directly (config-load.ts
// workerEntry() picks one of the two: workers.ts is the only place that knows).
import { register } from 'tsx/esm/api';

register();
await import('./config-worker.ts');
