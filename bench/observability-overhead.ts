/**
 * What logs and traces cost: the mixed workload against our gateway with observability off (no
 * log line written, no tracer provider) and on (the request lines at LOG_LEVEL=info written to a
 * file, as stdout to a collector would be; every span exported over OTLP/HTTP to a receiver in
 * this process, the gateway's and the subgraphs' alike, in OTLP's default encoding, protobuf, or as
 * JSON with `--protocol http/json`), in alternating rounds, each mode in a fresh process (a tracer
 * provider is registered once per process).
 *
 *   npx tsx bench/observability-overhead.ts [--rounds 2] [--requests 8000] [--warmup-requests 4000] [--customers 2000] [--concurrency 32] [--protocol http/protobuf|http/json]
 *
 * Each round measures the same requests of the workload's plan (`--warmup-requests` 4000, then
 * `--requests` 8000): by time, the slower mode would reach fewer requests into the plan in its
 * warm-up, and its measured part would find a less filled cache, more backend calls a request
 * and so a cost that is not the observability's. `--seconds N [--warmup N]` measures by time instead.
 *
 * Prints each round, the throughput ratio (on / off) of the best and of the median rounds and the
 * median of each round's own ratio, and the CPU per request of the gateway and backends processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listen } from '../platform/http/listen.js';
import { bufferedDestination, createLogger, setRootLogger } from '../platform/logging/index.js';
import { startTracing } from '../platform/observability/tracing.js';
import { buildSkeleton } from '../sandbox/world/skeleton.js';
import { runWorkload, signTokens } from './measure.js';
import { buildWorkload } from './workloads.js';

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;

interface Options {
  protocol: (typeof PROTOCOLS)[number];
  rounds: number;
  /** By time when given (and `warmup` with it); by count otherwise. */
  seconds?: number;
  warmup?: number;
  requests: number;
  'warmup-requests': number;
  customers: number;
  concurrency: number;
}

interface RoundResult {
  mode: 'on' | 'off';
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  gatewayCpuMsPerRequest: number;
  backendsCpuMsPerRequest: number;
  logBytes?: number;
}

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const WORLD_SEED = 42;

function parse(argv: readonly string[]): Options & { child?: 'on' | 'off'; endpoint?: string } {
  const options: Options & { child?: 'on' | 'off'; endpoint?: string } = { protocol: 'http/protobuf', rounds: 2, requests: 8000, 'warmup-requests': 4000, customers: 2000, concurrency: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (flag === '--child') options.child = value as 'on' | 'off';
    else if (flag === '--endpoint') options.endpoint = value;
    else if (flag === '--protocol' && PROTOCOLS.includes(value as Options['protocol'])) options.protocol = value as Options['protocol'];
    else if (['--rounds', '--seconds', '--warmup', '--requests', '--warmup-requests', '--customers', '--concurrency'].includes(flag) && value !== undefined && Number.isInteger(Number(value)) && Number(value) >= 0) {
      (options as unknown as Record<string, number>)[flag.slice(2)] = Number(value);
    } else throw new TypeError(`bad option ${flag} ${value ?? ''}: npx tsx bench/observability-overhead.ts [--rounds N] [--requests N] [--warmup-requests N] [--seconds N [--warmup N]] [--customers N] [--concurrency N] [--protocol ${PROTOCOLS.join('|')}]`);
  }
  if (options.warmup !== undefined && options.seconds === undefined) throw new TypeError('--warmup goes with --seconds (by time); by count, --warmup-requests');
  if (options.seconds === 0 || options.requests === 0 || options.rounds === 0) throw new TypeError('--seconds, --requests and --rounds must be at least 1');
  return options;
}

/** One measured run in this process, in the given mode. */
async function child(mode: 'on' | 'off', options: Options, endpoint: string | undefined): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'c360-obs-'));
  const logFile = join(logDir, 'gateway.jsonl');
  // Buffered as the gateway's stdout is.
  const logDestination = mode === 'on' ? bufferedDestination(logFile) : undefined;
  if (logDestination) {
    setRootLogger(createLogger({ level: 'info', destination: logDestination }));
    // This process runs the gateway alone, as `npm run gateway` does (no context manager).
    await startTracing({ serviceName: 'customer360-bench', asyncContext: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol, TRACE_GATEWAY_PHASES: process.env.TRACE_GATEWAY_PHASES } });
  } else {
    setRootLogger(createLogger({ level: 'silent' }));
  }
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-obs-keys-'));
  try {
    const world = buildSkeleton({ customers: options.customers, seed: WORLD_SEED });
    const workload = buildWorkload('mixed', world, { seed: 7, length: 400_000, zipfS: 1.1, agents: 16 });
    const tokens = await signTokens(workload.tokens, devKeysDir);
    const run = await runWorkload('ours', workload, tokens, {
      customers: options.customers,
      seed: WORLD_SEED,
      devKeysDir,
      seconds: options.seconds ?? 0,
      warmupSeconds: options.warmup ?? 0,
      ...(options.seconds === undefined ? { requestCounts: { warmup: options['warmup-requests'], measured: options.requests } } : {}),
      concurrency: options.concurrency,
      log: () => {},
    });
    const result: RoundResult = {
      mode,
      throughput: run.throughput,
      p50Ms: run.p50Ms,
      p99Ms: run.p99Ms,
      errors: run.errors,
      gatewayCpuMsPerRequest: run.cpuMsPerRequestByProcess.gateway,
      backendsCpuMsPerRequest: run.cpuMsPerRequestByProcess.backends,
      ...(logDestination ? { logBytes: (logDestination.flushSync(), statSync(logFile).size) } : {}),
    };
    process.stdout.write(`${JSON.stringify({ result })}\n`);
  } finally {
    rmSync(devKeysDir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** Runs one round in a fresh process; its backends inherit the mode through the environment. */
function round(mode: 'on' | 'off', options: Options, endpoint: string): Promise<RoundResult> {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: mode === 'on' ? 'info' : 'silent' };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (mode === 'on') Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol });
  const args = ['--import', 'tsx', resolve(ROOT, 'bench/observability-overhead.ts'), '--child', mode, '--endpoint', endpoint, ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)])];
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"result"'));
      if (code === 0 && line) done((JSON.parse(line) as { result: RoundResult }).result);
      else fail(new Error(`the ${mode} round exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  if (options.child) return child(options.child, options, options.endpoint);
  // The receiver stands for a collector on the same machine: it reads and drops what it gets.
  let spans = 0;
  const receiver = await listen(
    createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        spans += bytes > 0 ? 1 : 0;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    }),
    0,
    '127.0.0.1',
  );
  const span = options.seconds === undefined ? `the same ${options['warmup-requests']} warm-up + ${options.requests} measured requests each round` : `${options.warmup ?? 0} s warm-up + ${options.seconds} s measured`;
  console.log(`observability overhead: mixed workload, ours, ${span}, ${options.concurrency} clients, ${options.customers} customers, ${options.rounds} rounds of off then on, spans over OTLP ${options.protocol}`);
  const results: RoundResult[] = [];
  try {
    for (let r = 0; r < options.rounds; r++) {
      for (const mode of ['off', 'on'] as const) {
        const result = await round(mode, options, receiver.origin);
        results.push(result);
        console.log(
          `  round ${r + 1} ${mode.padEnd(3)}: ${result.throughput.toFixed(1)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors, CPU ms/request gateway ${result.gatewayCpuMsPerRequest.toFixed(2)}, backends ${result.backendsCpuMsPerRequest.toFixed(2)}${result.logBytes !== undefined ? `, ${(result.logBytes / 1e6).toFixed(1)} MB of log lines` : ''}`,
        );
      }
    }
  } finally {
    await receiver.close();
  }
  const of = (mode: 'on' | 'off') => results.filter((r) => r.mode === mode).map((r) => r.throughput);
  const best = Math.max(...of('on')) / Math.max(...of('off'));
  const mid = median(of('on')) / median(of('off'));
  console.log(`  OTLP exports received: ${spans}`);
  // Each round's on against the off just before it: the machine's drift over a run cancels out.
  const pairs = of('on').map((on, i) => on / of('off')[i]!);
  const paired = median(pairs);
  const cpuOf = (mode: 'on' | 'off') => results.filter((r) => r.mode === mode).map((r) => r.gatewayCpuMsPerRequest + r.backendsCpuMsPerRequest);
  const cpuPairs = cpuOf('on').map((on, i) => on / cpuOf('off')[i]!);
  console.log(`throughput on/off: best ${(best * 100).toFixed(1)}% (cost ${((1 - best) * 100).toFixed(1)}%), median ${(mid * 100).toFixed(1)}% (cost ${((1 - mid) * 100).toFixed(1)}%), median of the rounds' own ratios ${(paired * 100).toFixed(1)}% (${pairs.map((p) => `${(p * 100).toFixed(0)}%`).join(', ')})`);
  console.log(`CPU ms/request, gateway + backends, on against the off of its round: median ${median(cpuPairs) >= 1 ? '+' : ''}${((median(cpuPairs) - 1) * 100).toFixed(1)}% (${cpuPairs.map((p) => `${p >= 1 ? '+' : ''}${((p - 1) * 100).toFixed(0)}%`).join(', ')})`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
