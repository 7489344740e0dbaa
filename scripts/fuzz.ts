/**
 * `npm run fuzz -- --requests N [--seed S] [--classes a,b] [--heap-mb M] [--timeout-ms T]`: the
 * whole system in a child process (as `npm start` runs it), N generated requests spread over the
 * classes of test/fuzz (the fixed reproductions first), restarts after every death, figures per
 * class, and exit code 1 when an acceptance figure fails.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { CLASSES, type FuzzClass } from '../test/fuzz/probe.js';
import type { ClassFigures } from '../test/fuzz/runner.js';
import { startFuzzSession } from '../test/fuzz/session.js';

const USAGE = `usage: npm run fuzz -- --requests N [--seed S] [--classes ${CLASSES.join(',')}] [--heap-mb M] [--timeout-ms T]`;
/** Largest resident memory the system may reach on invalid and hostile requests. */
const RSS_LIMIT = 600 * 1024 * 1024;

function options() {
  const { values } = parseArgs({
    options: { requests: { type: 'string' }, seed: { type: 'string' }, classes: { type: 'string' }, 'heap-mb': { type: 'string' }, 'timeout-ms': { type: 'string' } },
    strict: true,
  });
  const int = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new TypeError(`--${name} must be a whole number`);
    return Number(raw);
  };
  const classes = (values.classes?.split(',').map((c) => c.trim()) ?? [...CLASSES]) as FuzzClass[];
  const unknown = classes.filter((c) => !CLASSES.includes(c));
  if (unknown.length > 0) throw new TypeError(`unknown classes: ${unknown.join(', ')}`);
  return { requests: int('requests', values.requests, 500), seed: int('seed', values.seed, 360), classes, heapMb: int('heap-mb', values['heap-mb'], 1024), timeoutMs: int('timeout-ms', values['timeout-ms'], 10_000) };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The acceptance figures a class fails (the expensive class is reported, not judged). */
function failures(cls: FuzzClass, f: ClassFigures): string[] {
  if (cls === 'expensive') return [];
  const out: string[] = [];
  const zero: Array<[keyof ClassFigures, string]> = [
    ['deaths', 'deaths'], ['fiveXx', '5xx answers'], ['stackTraces', 'stack traces'], ['codeless', 'errors without a code'],
    ['timeouts', 'timeouts'], ['noAnswer', 'requests without an answer'], ['unexpectedCalls', 'backend calls where none may be made'], ['violations', 'expectation violations'],
  ];
  for (const [key, what] of zero) if ((f[key] as number) > 0) out.push(`${cls}: ${f[key]} ${what}`);
  if (f.peakRssBytes >= RSS_LIMIT) out.push(`${cls}: peak RSS ${mb(f.peakRssBytes)} (limit ${mb(RSS_LIMIT)})`);
  return out;
}

function table(figures: Map<FuzzClass, ClassFigures>): string {
  const head = ['class', 'requests', 'statuses', '5xx', 'stack', 'no code', 'timeouts', 'no answer', 'backend calls', 'unexpected calls', 'violations', 'deaths', 'peak RSS'];
  const rows = [...figures].sort(([a], [b]) => CLASSES.indexOf(a) - CLASSES.indexOf(b)).map(([cls, f]) => [
    cls, String(f.requests), Object.entries(f.statuses).sort().map(([s, n]) => `${s}:${n}`).join(' '), String(f.fiveXx), String(f.stackTraces), String(f.codeless),
    String(f.timeouts), String(f.noAnswer), String(f.backendCalls), String(f.unexpectedCalls), String(f.violations), String(f.deaths), mb(f.peakRssBytes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<number> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options();
  } catch (err) {
    console.error(`fuzz: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  console.log(`Starting the system (heap cap ${opts.heapMb} MB)…`);
  const session = await startFuzzSession({ heapMb: opts.heapMb, timeoutMs: opts.timeoutMs });
  const { system, runner } = session;
  const printUrls = () => console.log(`  GraphQL: ${system.urls.gateway}\n  sandbox stats: ${Object.values(system.urls.sandboxes).map((u) => `${u}/__sandbox/stats`).join('  ')}`);
  printUrls();
  const stop = () => void session.close().then(() => process.exit(130));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  runner.startSampling();

  let sent = 0;
  let restartsSeen = 0;
  let current: FuzzClass = opts.classes[0]!;
  const progress = setInterval(() => {
    const all = [...runner.figures.values()];
    const sum = (k: keyof ClassFigures) => all.reduce((n, f) => n + (f[k] as number), 0);
    console.log(`[fuzz] ${((Date.now() - started) / 1000).toFixed(0)} s  ${current}  requests ${sent}/${opts.requests}  5xx ${sum('fiveXx')}  violations ${sum('violations')}  deaths ${sum('deaths')}  peak RSS ${mb(Math.max(0, ...all.map((f) => f.peakRssBytes)))}`);
    if (system.restarts !== restartsSeen) {
      restartsSeen = system.restarts;
      console.log(`[fuzz] restarted (${system.restarts} so far): ${system.deaths.at(-1)?.detail.slice(0, 200)}`);
      printUrls();
    }
  }, 5000);

  // The fixed reproductions first, each once, counted in their classes.
  for (const probe of session.reproductions.filter((p) => opts.classes.includes(p.class))) {
    if (sent >= opts.requests) break;
    current = probe.class;
    sent += (await runner.run(probe)).answers.length;
  }
  // The rest, spread evenly over the classes, in their order (expensive last: what it leaves behind must not count against the others).
  const ordered = [...opts.classes].sort((a, b) => CLASSES.indexOf(a) - CLASSES.indexOf(b));
  const left = Math.max(0, opts.requests - sent);
  for (const [i, cls] of ordered.entries()) {
    current = cls;
    const quota = Math.floor(left / ordered.length) + (i < left % ordered.length ? 1 : 0);
    let used = 0;
    for (const probe of fc.sample(session.classes[cls], { seed: opts.seed + i, numRuns: Math.max(1, quota) })) {
      if (used >= quota) break;
      const n = (await runner.run(probe)).answers.length;
      used += n;
      sent += n;
    }
  }
  clearInterval(progress);

  console.log(`\n${sent} requests in ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${opts.seed}, ${system.restarts} restarts\n`);
  console.log(table(runner.figures));
  for (const cls of CLASSES) {
    const f = runner.figures.get(cls);
    if (!f || f.examples.length === 0) continue;
    console.log(`\n${cls}: the first problem of each kind`);
    for (const e of f.examples) console.log(`  - ${e}`);
  }
  if (system.deaths.length > 0) {
    console.log('\ndeaths');
    for (const d of system.deaths) console.log(`  - ${d.kind}: ${d.detail.slice(0, 300)}`);
  }
  const failed = [...runner.figures].flatMap(([cls, f]) => failures(cls, f));
  console.log(failed.length === 0 ? '\nAcceptance: pass' : `\nAcceptance: FAIL\n${failed.map((f) => `  - ${f}`).join('\n')}`);
  await session.close();
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
