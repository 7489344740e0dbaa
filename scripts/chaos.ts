/**
 * `npm run chaos [-- --writes 1000 --clients 12 --settle 30 --bound 30000 --no-kill --seed 7]`:
 * keyed writes of all six mutations under changing faults (before and after commit), one kill -9
 * of the orders subgraph's process mid-run, then reconciliation against the backends' own data.
 * Prints the figures per mutation (see scripts/chaos/report.ts); exits 1 when a write was
 * duplicated, lost or left half-written.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/run.js';
import { formatReport } from './chaos/report.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '12' },
    settle: { type: 'string', default: '30' },
    bound: { type: 'string', default: '30000' },
    attempts: { type: 'string', default: '6' },
    customers: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '7' },
    'no-kill': { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof values, min: number, max: number): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be an integer in [${min}, ${max}], got "${values[name]}"`);
    process.exit(2);
  }
  return value;
};

const report = await runChaos({
  writes: int('writes', 6, 100_000),
  clients: int('clients', 1, 200),
  settleSeconds: int('settle', 0, 3600),
  boundMs: int('bound', 1000, 3_600_000),
  maxAttempts: int('attempts', 1, 50),
  customers: int('customers', 200, 100_000),
  seed: int('seed', 0, 2 ** 31),
  kill: !values['no-kill'],
  log: (line) => console.log(`[chaos] ${line}`),
});
console.log(formatReport(report));
const t = report.total;
process.exit(t.duplicates + t.lost + t.halfWritten + report.draftsWithMarker > 0 ? 1 : 0);
