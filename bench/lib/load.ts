/**
 * Load generators in their own process: wrk (Debian's package, C, one epoll thread) and
 * autocannon (npm, Node.js). Both hold `connections` requests in flight on keep-alive connections
 * for `seconds` and report requests, latency percentiles and failures; the bench also reads the
 * generator's own CPU time (bash's `times` after it exits), which is what it takes away from the
 * server on a 2-core machine. Requests spread over every account like lib/workload.ts's lookupPath.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_TOKEN, type Shape } from './workload';
import { ROOT, run } from './procs';

export interface LoadSpec {
  url: string;
  shape: Shape;
  /** lookup: GET /v1/context by email; note: POST /v1/accounts/{id}/notes. */
  kind?: 'lookup' | 'note';
  seconds: number;
  connections?: number;
  /** A request slower than this counts as failed (timeout). Default 10 s. */
  timeoutS?: number;
  /** Count 200 answers to a lookup that did not match by email (wrk only: it reads every body). */
  checkMatch?: boolean;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  /** Latency percentiles and maximum, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Requests that did not get a 2xx (or 3xx for wrk) answer, sockets that failed, requests that timed out. */
  non2xx: number;
  socketErrors: number;
  /** wrk's split of socket errors: could not connect, read failed (e.g. the server closed a kept-alive connection with a request on it), write failed. */
  socketSplit?: { connect: number; read: number; write: number };
  timeouts: number;
  failed: number;
  /** With checkMatch: 200 answers that did not match the contact by email (NaN when not counted). */
  unmatched: number;
  /** The generator's CPU time (user + system). */
  generatorCpuMs: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  version: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

export const CONNECTIONS = 32;

/** Runs argv under bash and reads its children's CPU time from `times` (user and system, line 2). */
async function timed(argv: string[]): Promise<{ stdout: string; cpuMs: number }> {
  const { stdout, stderr } = await run('bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'bash', ...argv]);
  const lines = stderr.trim().split('\n');
  const children = lines.at(-1) ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { stdout, cpuMs: ((secs[0] ?? NaN) + (secs[1] ?? NaN)) * 1000 };
}

function summary(stdout: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`load generator printed no summary: ${stdout.slice(-1000)}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>;
}

/** The Lua that makes wrk's i-th request and prints its summary as JSON. (wrk.format's headers replace wrk.headers, so a POST names the token again.) */
function wrkScript(shape: Shape, kind: 'lookup' | 'note', checkMatch: boolean): string {
  const request =
    kind === 'note'
      ? `  return wrk.format("POST", "/v1/accounts/a" .. ((i * 7919) % ${shape.accounts}) .. "/notes", { ["Authorization"] = "Bearer ${BENCH_TOKEN}", ["Content-Type"] = "application/json" }, '{"text":"bench note ' .. i .. '","ticket":"' .. i .. '"}')`
      : `  return wrk.format("GET", "/v1/context?email=u" .. (i % ${shape.contactsPer}) .. "@c" .. ((i * 7919) % ${shape.accounts}) .. ".example.com")`;
  const check = checkMatch
    ? `unmatched = 0
response = function(status, headers, body)
  if status == 200 and not string.find(body, '"by":"email"', 1, true) then unmatched = unmatched + 1 end
end
`
    : '';
  return `wrk.headers["Authorization"] = "Bearer ${BENCH_TOKEN}"
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local i = 0
request = function()
  i = i + 1
${request}
end
${check}done = function(summary, latency, requests)
  local e = summary.errors
  local unmatched = -1
  if ${checkMatch ? 'true' : 'false'} then
    unmatched = 0
    for _, t in ipairs(threads) do unmatched = unmatched + (t:get("unmatched") or 0) end
  end
  io.write(string.format('BENCH_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"unmatched":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, unmatched))
end
`;
}

/** wrk on PATH, installed from Debian's packages when missing and we are root; null when it cannot be had. */
export function ensureWrk(log: (s: string) => void): string | null {
  const version = () => {
    const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    return r.error ? null : (/wrk\s+(\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown');
  };
  const have = version();
  if (have) return have;
  if (process.getuid?.() !== 0) {
    log('wrk is not installed and the bench is not root: install it with `sudo apt-get install -y wrk`; using autocannon');
    return null;
  }
  log('installing wrk (apt-get install -y wrk)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env });
  }
  return r.status === 0 ? version() : null;
}

export function wrkGenerator(version: string, tmp: string): LoadGenerator {
  let n = 0;
  return {
    name: 'wrk',
    version,
    async run(spec) {
      const kind = spec.kind ?? 'lookup';
      const script = join(tmp, `wrk-${process.pid}-${n++}.lua`);
      writeFileSync(script, wrkScript(spec.shape, kind, spec.checkMatch ?? false));
      const { stdout, cpuMs } = await timed(['wrk', '-t1', `-c${spec.connections ?? CONNECTIONS}`, `-d${spec.seconds}s`, `--timeout`, `${spec.timeoutS ?? 10}s`, '-s', script, spec.url]);
      const s = summary(stdout);
      const socketErrors = s.connect! + s.read! + s.write!;
      return {
        requests: s.requests!,
        perSecond: s.requests! / (s.durationUs! / 1e6),
        p50: s.p50! / 1000,
        p90: s.p90! / 1000,
        p99: s.p99! / 1000,
        max: s.max! / 1000,
        non2xx: s.status!,
        socketErrors,
        socketSplit: { connect: s.connect!, read: s.read!, write: s.write! },
        timeouts: s.timeout!,
        failed: s.status! + socketErrors + s.timeout!,
        unmatched: s.unmatched! < 0 ? NaN : s.unmatched!,
        generatorCpuMs: cpuMs,
      };
    },
  };
}

export function autocannonGenerator(): LoadGenerator {
  const version = (JSON.parse(spawnSync(process.execPath, ['-p', 'JSON.stringify(require("autocannon/package.json"))'], { cwd: ROOT, encoding: 'utf8' }).stdout || '{}') as { version?: string }).version ?? 'unknown';
  return {
    name: 'autocannon',
    version,
    async run(spec) {
      const arg = JSON.stringify({
        url: spec.url,
        connections: spec.connections ?? CONNECTIONS,
        seconds: spec.seconds,
        timeoutS: spec.timeoutS ?? 10,
        headers: { authorization: `Bearer ${BENCH_TOKEN}` },
        paths: { ...spec.shape, kind: spec.kind ?? 'lookup' },
      });
      const { stdout, cpuMs } = await timed([process.execPath, join(ROOT, 'bench', 'lib', 'autocannon-child.mjs'), arg]);
      const s = summary(stdout);
      return {
        requests: s.requests!,
        perSecond: s.requests! / s.durationS!,
        p50: s.p50!,
        p90: s.p90!,
        p99: s.p99!,
        max: s.max!,
        non2xx: s.non2xx!,
        socketErrors: s.socketErrors!,
        timeouts: s.timeouts!,
        failed: s.non2xx! + s.socketErrors! + s.timeouts!,
        unmatched: NaN,
        generatorCpuMs: cpuMs,
      };
    },
  };
}
