/** Command-line options of `npm run bench`. */
import { GATEWAY_NAMES, type GatewayName } from './systems.js';
import { WORKLOAD_NAMES, type WorkloadName } from './workloads.js';

/** Settings of one benchmark run. */
export interface BenchOptions {
  quick: boolean;
  /** Seconds measured per gateway x workload. */
  seconds: number;
  /** Seconds of load before the measured ones, per gateway x workload (caches warm up; not measured). */
  warmupSeconds: number;
  customers: number;
  concurrency: number;
  seed: number;
  zipfS: number;
  /** Distinct agent tokens per agent workload. */
  agents: number;
  /** Most requests per gateway x workload. */
  maxRequests: number;
  /** Single cold queries per gateway for the uncached latency. */
  uncachedQueries: number;
  /** Concurrent identical customer-360 queries for the dedup check. */
  identical: number;
  gateways: GatewayName[];
  workloads: WorkloadName[];
  /**
   * Out-of-band changes a second the sandboxes make during every workload run (0: none). Every
   * measured answer is then checked against them (stale share, staleness), and ours runs twice:
   * with the change feeds and without them (`ours-ttl`).
   */
  changes: number;
}

const USAGE = `npm run bench -- [--quick] [--seconds N] [--warmup N] [--customers N] [--concurrency N] [--seed N]
                  [--gateways ours,ours-ttl,apollo,hive,hive-rust] [--workloads support,crm,partner,mixed]
                  [--uncached N] [--identical N] [--max-requests N] [--agents N] [--zipf S] [--changes PER_SECOND]
  gateways: ours-ttl (ours without change feeds) runs by default only with --changes`;

function list<T extends string>(raw: string, known: readonly T[], flag: string): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!known.includes(item as T)) throw new TypeError(`${flag}: unknown "${item}" (known: ${known.join(', ')})`);
  return items as T[];
}

/** Parses argv (after the script name); throws a TypeError with the usage on a bad flag. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    seconds: quick ? 0.5 : 20,
    warmupSeconds: quick ? 0 : 10,
    customers: quick ? 100 : 2000,
    concurrency: quick ? 8 : 32,
    seed: 7,
    zipfS: 1.1,
    agents: 16,
    maxRequests: 400_000,
    uncachedQueries: quick ? 2 : 15,
    identical: quick ? 20 : 100,
    gateways: [],
    workloads: [...WORKLOAD_NAMES],
    changes: 0,
  };
  const number = (flag: string, value: string | undefined, min: number, integer = true): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new TypeError(`${flag} needs a number >= ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--quick':
        continue;
      case '--seconds': options.seconds = number(flag, value, 0.1, false); break;
      case '--warmup': options.warmupSeconds = number(flag, value, 0, false); break;
      case '--customers': options.customers = number(flag, value, 10); break;
      case '--concurrency': options.concurrency = number(flag, value, 1); break;
      case '--seed': options.seed = number(flag, value, 0); break;
      case '--zipf': options.zipfS = number(flag, value, 0.01, false); break;
      case '--agents': options.agents = number(flag, value, 1); break;
      case '--max-requests': options.maxRequests = number(flag, value, 1); break;
      case '--uncached': options.uncachedQueries = number(flag, value, 0); break;
      case '--identical': options.identical = number(flag, value, 0); break;
      case '--gateways': options.gateways = list(value ?? '', GATEWAY_NAMES, flag); break;
      case '--workloads': options.workloads = list(value ?? '', WORKLOAD_NAMES, flag); break;
      case '--changes': options.changes = number(flag, value, 0, false); break;
      case '--help':
      case '-h':
        throw new TypeError(USAGE);
      default:
        throw new TypeError(`unknown option ${flag}\n${USAGE}`);
    }
    i++;
  }
  if (options.gateways.length === 0) options.gateways = GATEWAY_NAMES.filter((g) => g !== 'ours-ttl' || options.changes > 0);
  return options;
}
