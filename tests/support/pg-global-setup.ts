// Vitest globalSetup of the `unit` and `api` projects: one throwaway PostgreSQL cluster for the
// run (scripts/services/postgres.ts), shared by both projects, stopped when the last one ends
// (and by the helper's exit hook if the run dies). Test files get its address through
// `inject('pg')`; a failure to start is handed to them, and only the PostgreSQL tests fail.
import type { TestProject } from 'vitest/node';
import { startCluster, type PgCluster } from '../../scripts/services/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: { url: string } | { error: string };
  }
}

type Shared = { cluster: Promise<PgCluster>; users: number };
const KEY = Symbol.for('baton.test.pg');
const box = globalThis as unknown as Record<symbol, Shared | undefined>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (box[KEY] ??= { cluster: startCluster({ fsync: false }), users: 0 });
  shared.users++;
  try {
    const cluster = await shared.cluster;
    project.provide('pg', { url: cluster.url('postgres') });
  } catch (err) {
    project.provide('pg', { error: (err as Error).message });
  }
  return async () => {
    if (--shared.users > 0) return;
    box[KEY] = undefined;
    const cluster = await shared.cluster.catch(() => null);
    await cluster?.destroy();
  };
}
