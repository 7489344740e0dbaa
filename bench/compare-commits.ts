/**
 * Two commits side by side in one run: `npm run bench:compare -- --base <commit> [--head <commit>]`.
 *
 * Each commit is checked out in a worktree of its own under var/compare/ (`npm ci` there the first
 * time), and the rounds alternate between them: base, head, base, head... each a `bench/run.ts`
 * of our gateway in that checkout, so that both meet the same machine load as nearly as a shared
 * machine allows. It prints each round's throughput and gateway CPU per request, the head/base
 * ratio of each round and their median, and writes them to var/compare/<timestamp>.json. The
 * checkout it is run from is not touched (its own bench/results stay as they are).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKLOAD_NAMES } from './workloads.js';

const ROOT = new URL('..', import.meta.url).pathname;
const COMPARE_DIR = join(ROOT, 'var', 'compare');

const USAGE = `npm run bench:compare -- --base <commit> [--head <commit, default HEAD>] [--rounds N (3)]
                          [--workloads crm,partner] [--seconds N (10)] [--warmup N (4)] [--max-requests N]`;

interface CompareOptions {
  base: string;
  head: string;
  rounds: number;
  workloads: string[];
  seconds: number;
  warmup: number;
  maxRequests?: number;
}

/** One bench run of one side: per workload, its throughput and the gateway's CPU per request. */
type RoundFigures = Record<string, { throughput: number; gatewayCpuMs: number; backendsCpuMs: number; responseHitRatio: number | null }>;

function parseCompareOptions(argv: readonly string[]): CompareOptions {
  const options: Partial<CompareOptions> & { head: string; rounds: number; workloads: string[]; seconds: number; warmup: number } = { head: 'HEAD', rounds: 3, workloads: ['crm', 'partner'], seconds: 10, warmup: 4 };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) throw new TypeError(`${flag} needs a number >= ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--base': options.base = commitArgument(flag, value); break;
      case '--head': options.head = commitArgument(flag, value); break;
      case '--rounds': options.rounds = Math.floor(number(flag, value, 1)); break;
      case '--seconds': options.seconds = number(flag, value, 1); break;
      case '--warmup': options.warmup = number(flag, value, 0); break;
      case '--max-requests': options.maxRequests = Math.floor(number(flag, value, 1)); break;
      case '--workloads': {
        const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = names.find((n) => !(WORKLOAD_NAMES as readonly string[]).includes(n));
        if (names.length === 0 || unknown !== undefined) throw new TypeError(`--workloads: unknown "${unknown ?? ''}" (known: ${WORKLOAD_NAMES.join(', ')})`);
        options.workloads = names;
        break;
      }
      default:
        throw new TypeError(`${flag === '--help' || flag === '-h' ? '' : `unknown option ${flag}\n`}${USAGE}`);
    }
  }
  if (!options.base) throw new TypeError(`--base is required\n${USAGE}`);
  return options as CompareOptions;
}

/** A commit-ish as given: refused when it could be read as an option of git's. */
function commitArgument(flag: string, value: string | undefined): string {
  if (!value || value.startsWith('-') || !/^[\w./^~@{}-]+$/.test(value)) throw new TypeError(`${flag} needs a commit\n${USAGE}`);
  return value;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** The worktree of a commit under var/compare/, made (with `npm ci`) when it is not there yet. */
function checkoutOf(commit: string, log: (line: string) => void): string {
  const dir = join(COMPARE_DIR, commit.slice(0, 12));
  if (!existsSync(join(dir, 'node_modules'))) {
    mkdirSync(COMPARE_DIR, { recursive: true });
    if (!existsSync(dir)) {
      log(`compare: checking out ${commit.slice(0, 12)} in ${dir}`);
      git(['worktree', 'add', '--force', '--detach', dir, commit]);
    }
    log(`compare: npm ci in ${dir} (once per commit)`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}

/** Runs our gateway's bench in one checkout and reads its figures from the results file it names. */
async function benchIn(dir: string, options: CompareOptions): Promise<RoundFigures> {
  const args = ['--import', 'tsx', 'bench/run.ts', '--gateways', 'ours', '--workloads', options.workloads.join(','), '--seconds', String(options.seconds), '--warmup', String(options.warmup), '--uncached', '0', '--identical', '0'];
  if (options.maxRequests !== undefined) args.push('--max-requests', String(options.maxRequests));
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const path = /^results: (\S+\.json)/m.exec(out)?.[1];
  if (code !== 0 || !path) throw new Error(`bench/run.ts in ${dir} failed (exit ${code}):\n${out.slice(-2000)}`);
  const report = JSON.parse(readFileSync(path, 'utf8')) as { runs: { workload: string; throughput: number; responseCacheHitRatio: number | null; cpuMsPerRequestByProcess: { gateway: number; backends: number } }[] };
  return Object.fromEntries(
    report.runs.map((r) => [r.workload, { throughput: r.throughput, gatewayCpuMs: r.cpuMsPerRequestByProcess.gateway, backendsCpuMs: r.cpuMsPerRequestByProcess.backends, responseHitRatio: r.responseCacheHitRatio }]),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const options = parseCompareOptions(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  const base = git(['rev-parse', '--verify', `${options.base}^{commit}`]);
  const head = git(['rev-parse', '--verify', `${options.head}^{commit}`]);
  const sides = [
    { name: 'base', commit: base, dir: checkoutOf(base, log) },
    { name: 'head', commit: head, dir: checkoutOf(head, log) },
  ];
  log(`compare: base ${base.slice(0, 12)} against head ${head.slice(0, 12)}, ${options.rounds} rounds of ${options.workloads.join(', ')} (${options.warmup} s warm-up, ${options.seconds} s measured), alternating`);
  const rounds: { base: RoundFigures; head: RoundFigures }[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const figures: Partial<Record<'base' | 'head', RoundFigures>> = {};
    for (const side of sides) {
      log(`compare: round ${round}/${options.rounds}, ${side.name} ${side.commit.slice(0, 12)} ...`);
      figures[side.name as 'base' | 'head'] = await benchIn(side.dir, options);
    }
    const done = figures as { base: RoundFigures; head: RoundFigures };
    rounds.push(done);
    for (const w of options.workloads) {
      const [b, h] = [done.base[w]!, done.head[w]!];
      const side = (f: RoundFigures[string]) => `${f.throughput.toFixed(1).padStart(9)} req/s (CPU ms/req gateway ${f.gatewayCpuMs.toFixed(3)}, backends ${f.backendsCpuMs.toFixed(3)}; hits ${f.responseHitRatio === null ? '-' : `${(f.responseHitRatio * 100).toFixed(1)}%`})`;
      log(`  round ${round} ${w.padEnd(8)} base ${side(b)}  head ${side(h)}  head/base ${(h.throughput / b.throughput).toFixed(2)}`);
    }
  }
  const summary = Object.fromEntries(
    options.workloads.map((w) => {
      const ratios = rounds.map((r) => r.head[w]!.throughput / r.base[w]!.throughput);
      return [w, { ratios: ratios.map((x) => Math.round(x * 1000) / 1000), medianRatio: Math.round(median(ratios) * 1000) / 1000 }];
    }),
  );
  log('\nhead/base throughput (median of the rounds):');
  for (const [w, s] of Object.entries(summary)) log(`  ${w.padEnd(8)} ${s.medianRatio.toFixed(2)}  (rounds: ${s.ratios.map((x) => x.toFixed(2)).join(', ')})`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(COMPARE_DIR, `${stamp}.json`);
  writeFileSync(path, JSON.stringify({ base, head, options, rounds, summary }, null, 2));
  log(`\nresults: ${path}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof TypeError ? err.message : err);
  process.exitCode = 1;
});
