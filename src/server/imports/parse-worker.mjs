// The parse worker's entry while the server runs from TypeScript source (tests, BATON_TSX=1): a
// worker thread does not inherit tsx from its parent, so it registers tsx itself, then loads the
// TypeScript worker. Built JavaScript uses parse-worker.js directly (parse.ts parseWorkerEntry()).
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
