// The autocannon load generator in its own process (bench/lib/load.ts): one run, its summary on
// stdout as one JSON line. Plain JavaScript, so no TypeScript compiler runs beside the load.
//   node bench/lib/autocannon-child.mjs '{"url":…,"connections":32,"seconds":5,"timeoutS":10,"headers":{…},"paths":{…}}'
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2]);
const { accounts, contactsPer, kind } = spec.paths;
let i = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  timeout: spec.timeoutS,
  headers: spec.headers,
  requests: [
    {
      setupRequest: (req) => {
        i++;
        const a = (i * 7919) % accounts;
        if (kind === 'note') {
          req.method = 'POST';
          req.path = `/v1/accounts/a${a}/notes`;
          req.headers = { ...req.headers, 'content-type': 'application/json' };
          req.body = JSON.stringify({ text: `bench note ${i}`, ticket: String(i) });
        } else {
          req.path = `/v1/context?email=u${i % contactsPer}@c${a}.example.com`;
        }
        return req;
      },
    },
  ],
});
const l = result.latency;
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({
    requests: result.requests.total,
    durationS: result.duration,
    p50: l.p50,
    p90: l.p90,
    p99: l.p99,
    max: l.max,
    non2xx: result.non2xx,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
  })}\n`,
);
