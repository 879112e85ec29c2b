/**
 * Which load generator: wrk (C, one epoll thread) or autocannon (Node.js), each in its own
 * process, against the bare server on the 100k records, in alternating rounds. On 2 cores the
 * generator's own CPU is taken from the server it measures, so the one that spends less CPU per
 * request (and lets the bare server answer more) disturbs less; the rest of the bench uses it.
 */
import type { Bench, Section } from './lib/harness';
import { autocannonGenerator, CONNECTIONS, type LoadGenerator } from './lib/load';
import { measure, mid, type Round } from './lib/peers';
import { spawnBare } from './lib/procs';
import { median, num, spread } from './lib/stats';

export const loadGenerators: Section = {
  id: 'loadgen',
  title: 'Load generator: wrk or autocannon',
  async run(b: Bench) {
    const cfg = (await b.config('100k'))!;
    const gens: LoadGenerator[] = [b.loadGenerator()];
    if (gens[0]!.name !== 'autocannon') gens.push(autocannonGenerator());
    const bare = await spawnBare(cfg.shape.accounts, cfg.shape.contactsPer);
    const seconds = b.seconds(4);
    const runs = new Map<string, Round[]>(gens.map((g) => [g.name, []]));
    for (const g of gens) await g.run({ url: bare.url, shape: cfg.shape, seconds: b.seconds(2) });
    for (let r = 0; r < b.rounds(3); r++) for (const g of r % 2 ? [...gens].reverse() : gens) runs.get(g.name)!.push(await measure(g, bare, { shape: cfg.shape, seconds }));
    await bare.stop();

    const rows = gens.map((g) => {
      const rs = runs.get(g.name)!;
      const id = `loadgen.${g.name}`;
      b.metric({ id: `${id}.bareLookupsPerSecond`, label: `bare server lookups/s under ${g.name}`, unit: 'req/s', value: mid(rs, (x) => x.perSecond), runs: rs.map((x) => x.perSecond), better: 'higher', workload: cfg.describe });
      b.metric({ id: `${id}.cpuPerRequest`, label: `${g.name}'s own CPU per request`, unit: 'µs', value: mid(rs, (x) => x.generatorCpuUs), runs: rs.map((x) => x.generatorCpuUs), better: 'lower', workload: cfg.describe });
      return [`${g.name} ${g.version}`, spread(rs.map((x) => x.perSecond), 0), spread(rs.map((x) => x.generatorCpuUs), 0), spread(rs.map((x) => x.serverCpuUs), 0), spread(rs.map((x) => x.p99)), String(rs.reduce((n, x) => n + x.failed, 0))];
    });
    b.table(['generator', 'bare server lookups/s', 'generator CPU µs / request', 'server CPU µs / request', 'p99 ms', 'failed'], rows);
    b.line();
    const cpu = (g: LoadGenerator) => median(runs.get(g.name)!.map((x) => x.generatorCpuUs));
    const best = [...gens].sort((x, y) => cpu(x) - cpu(y))[0]!;
    b.setLoadGenerator(best);
    b.data('chosen', best.name);
    const rate = (g: LoadGenerator) => median(runs.get(g.name)!.map((x) => x.perSecond));
    const other = gens.find((g) => g !== best);
    b.line(`${CONNECTIONS} connections, ${seconds} s per run, ${runs.get(gens[0]!.name)!.length} alternating rounds, against the bare server (its own process) on ${cfg.describe}.`);
    b.line();
    b.line(
      other
        ? `**The rest of the bench uses ${best.name}**: it spends ${num(cpu(best), 0)} µs of CPU per request against ${other.name}'s ${num(cpu(other), 0)} µs, and the bare server answers ${num(rate(best), 0)} requests/s under it against ${num(rate(other), 0)} under ${other.name}. On 2 cores whatever the generator spends is taken from the server it measures. wrk is C: one epoll thread, a hand-written HTTP parser, Lua only to make each request; autocannon is a Node.js process (a JavaScript HTTP parser, its own event loop and garbage collector), so it needs a good part of a core for the same load.`
        : `Only ${best.name} was available.`,
    );
  },
};
