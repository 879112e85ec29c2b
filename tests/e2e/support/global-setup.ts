// Vitest globalSetup of the `e2e` project: once per run, build the test extension
// (`node scripts/build.mjs --out dist/test` with BATON_SHADOW=open) and a production build
// (`--out dist/test-prod`, no BATON_SHADOW: the closed shadow root agents get, for the hostile
// page test), and start one Request Tracker 5 with a ticket per demo contact. Test files get
// them through `inject('e2e')`. A failure here does not abort the run: it is handed to the
// tests, which fail with it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_POLICY_DIR } from './browsers';
import { RT_TICKETS, type E2eContext } from './context';
import { startRt, type RtServer } from './rt';

const ROOT = resolve(import.meta.dirname, '../../..');
export const TEST_BUILD_DIR = join(ROOT, 'dist/test');
export const PROD_BUILD_DIR = join(ROOT, 'dist/test-prod');

function buildExtension(outDir: string, env: Record<string, string | undefined>): Promise<{ ok: true } | { ok: false; error: string }> {
  const dir = join(ROOT, outDir);
  // BATON_E2E_PREBUILT=1: use the builds as they are (a developer iterating on tests only).
  if (process.env.BATON_E2E_PREBUILT === '1') {
    const missing = ['chrome', 'firefox'].filter((b) => !existsSync(join(dir, b, 'manifest.json')));
    return Promise.resolve(missing.length ? { ok: false, error: `BATON_E2E_PREBUILT=1 but ${outDir} has no ${missing.join(', ')} build` } : { ok: true });
  }
  return new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/build.mjs', '--out', outDir, '--quiet'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => done({ ok: false, error: String(e) }));
    child.on('exit', (code) => {
      if (code !== 0) return done({ ok: false, error: `build exited ${code}:\n${out.slice(-4000)}` });
      for (const b of ['chrome', 'firefox']) {
        if (!existsSync(join(dir, b, 'manifest.json'))) {
          return done({ ok: false, error: `build left no ${b}/manifest.json in ${outDir}:\n${out.slice(-2000)}` });
        }
      }
      done({ ok: true });
    });
  });
}

async function startRtWithTickets(): Promise<{ rt: RtServer; tickets: Record<string, number> }> {
  const rt = await startRt({ verbose: process.env.BATON_RT_VERBOSE === '1' });
  try {
    const tickets: Record<string, number> = {};
    for (const [key, t] of Object.entries(RT_TICKETS)) tickets[key] = await rt.createTicket(t);
    // Warm both workers up: the first ticket page a worker renders compiles RT's Mason
    // components (seconds on a fresh machine), which should not count against a test.
    const first = Object.values(tickets)[0]!;
    await Promise.all(
      [0, 1].map(async () => {
        const res = await fetch(rt.ticketUrl(first), { signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`RT ticket page: HTTP ${res.status}`);
      }),
    );
    return { rt, tickets };
  } catch (e) {
    await rt.stop();
    throw e;
  }
}

/**
 * A run that died left its Chromium policy file behind (tests/e2e/support/browsers.ts writes
 * baton-test-<pid>-<n>.json): managed values win over the options page, so remove the files of
 * processes that are gone.
 */
function removeLeftoverPolicies(): void {
  if (!existsSync(CHROMIUM_POLICY_DIR)) return;
  for (const name of readdirSync(CHROMIUM_POLICY_DIR)) {
    const m = /^baton-test-(\d+)-\d+\.json$/.exec(name);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(CHROMIUM_POLICY_DIR, name), { force: true });
  }
}

export default async function setup(project: TestProject) {
  const t0 = Date.now();
  removeLeftoverPolicies();
  // The builds (CPU) and RT's start (mostly waiting on Perl) overlap.
  const both = async () => {
    const [test, prod] = await Promise.all([
      buildExtension('dist/test', { BATON_SHADOW: 'open' }),
      buildExtension('dist/test-prod', { BATON_SHADOW: undefined, BATON_DEMO: undefined }),
    ]);
    return !test.ok ? test : prod;
  };
  const [built, rtResult] = await Promise.allSettled([both(), startRtWithTickets()]);
  const ctx: E2eContext = {
    root: ROOT,
    extension: { chrome: join(TEST_BUILD_DIR, 'chrome'), firefox: join(TEST_BUILD_DIR, 'firefox') },
    production: { chrome: join(PROD_BUILD_DIR, 'chrome'), firefox: join(PROD_BUILD_DIR, 'firefox') },
    extensionError:
      built.status === 'rejected' ? String(built.reason) : built.value.ok ? null : built.value.error,
    rt: null,
    rtError: null,
  };
  let rt: RtServer | undefined;
  if (rtResult.status === 'fulfilled') {
    rt = rtResult.value.rt;
    ctx.rt = { url: rt.url, password: rt.password, tickets: rtResult.value.tickets };
  } else {
    ctx.rtError = rtResult.reason instanceof Error ? rtResult.reason.message : String(rtResult.reason);
  }
  project.provide('e2e', ctx);
  if (process.env.BATON_E2E_VERBOSE === '1') {
    console.log(`e2e setup: ${Date.now() - t0} ms (extension ${ctx.extensionError ? 'FAILED' : 'built'}, RT ${rt ? rt.url : 'FAILED'})`);
  }
  return async () => {
    await rt?.stop();
  };
}
