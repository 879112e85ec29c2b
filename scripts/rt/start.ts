// Start a throwaway Request Tracker 5 (Debian's, SQLite) on 127.0.0.1 with the e2e tickets
// whose requestors are contacts in the demo config, print logged-in ticket URLs, and run until
// Ctrl-C. Needs `bash scripts/install-system-deps.sh` first.
//
//   npx tsx scripts/rt/start.ts [--port 8790] [--password PW] [--verbose] [--once]
//
// --once: start, create the tickets, print, stop (a smoke test).
import { parseArgs } from 'node:util';
import { startRt } from '../../tests/e2e/support/rt';
import { RT_TICKETS } from '../../tests/e2e/support/rt-tickets';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8790' },
    password: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    once: { type: 'boolean', default: false },
  },
});

const t0 = Date.now();
const rt = await startRt({
  port: Number(values.port),
  verbose: values.verbose,
  ...(values.password ? { password: values.password } : {}),
});
console.log(`RT 5 ready at ${rt.url} in ${Date.now() - t0} ms (root / ${rt.password})`);
for (const t of Object.values(RT_TICKETS)) {
  const id = await rt.createTicket(t);
  console.log(`  ticket #${id} ${t.requestor}: ${rt.ticketUrl(id)}`);
}
if (values.once) {
  await rt.stop();
  console.log('stopped');
} else {
  console.log('Ctrl-C to stop');
  const quit = () => void rt.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
