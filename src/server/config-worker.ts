/**
 * The config worker (config-load.ts starts it): loads one config per message — parse, validate,
 * imports — and posts back the plain result; the main thread builds the indexes (prepare()).
 * Runs under a memory limit (resourceLimits) and a time limit (terminated by the parent).
 */
import { parentPort } from 'node:worker_threads';
import { loadConfigText } from './config';
import type { WorkerReply, WorkerRequest } from './config-load';
import { snapshotable, Snapshots } from './snapshot';

parentPort!.on('message', (req: WorkerRequest) => {
  void loadConfigText(req.text, req.path, req.displayName)
    .then(async (result) => {
      // Saved before the reply (here, off the serving thread), so a snapshot is on disk once the
      // reload is served; a failed write only costs the next start its time.
      if (result.ok && req.snapshot && snapshotable(result.loaded.config)) {
        await new Snapshots(req.snapshot.dir, null).write(req.snapshot.key, result.loaded.config).catch(() => {});
      }
      return result;
    })
    .then(
      (result) => {
        const reply: WorkerReply = result.ok
          ? { id: req.id, ok: true, config: result.loaded.config, file: result.loaded.file, hash: result.loaded.hash, imports: result.loaded.imports, watch: result.loaded.watch }
          : { id: req.id, ok: false, errors: result.errors };
        parentPort!.postMessage(reply);
      },
      (err: unknown) => parentPort!.postMessage({ id: req.id, ok: false, crash: (err as Error).stack ?? String(err) } satisfies WorkerReply),
    );
});
