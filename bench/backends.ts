/**
 * The backends of one benchmark run (sandboxes and subgraphs) in a child process of their own
 * (scripts/serve-backends.ts), so that the gateway under test does not share their event loop.
 * Everything the benchmark reads from them goes over HTTP: sandbox stats, record cache metrics,
 * the child's CPU time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { SandboxStats } from '../sandbox/common/server.js';
import type { BackendsConfig, BackendsProcessInfo, BackendsReady } from '../scripts/serve-backends.js';

export type { BackendsConfig } from '../scripts/serve-backends.js';

/** The backends the sandboxes stand in for. */
export type Backend = 'odoo' | 'salesforce' | 'zendesk';
export const BACKENDS: readonly Backend[] = ['odoo', 'salesforce', 'zendesk'];

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const ENTRY = resolve(ROOT, 'scripts/serve-backends.ts');
/** Warnings of earlier children already shown (every run starts a new child that warns alike). */
const shownStderr = new Set<string>();

/** The running backends process. */
export interface BackendsProcess {
  pid: number;
  sandboxes: BackendsReady['sandboxes'];
  subgraphs: BackendsReady['subgraphs'];
  /** Every sandbox's counters (GET /__sandbox/stats). */
  stats(): Promise<Record<Backend, SandboxStats>>;
  /** The child's prom-client registry as JSON (the subgraphs' record cache counters). */
  metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  /** The child's CPU time and memory. */
  processInfo(): Promise<BackendsProcessInfo>;
  close(): Promise<void>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Lines of a stream, one callback per complete line, until `stop()`, which gives back the part of a line read so far. */
function onLines(stream: NodeJS.ReadableStream, each: (line: string) => void): { stop(): string } {
  let buffer = '';
  const read = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      each(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
    }
  };
  stream.on('data', read);
  return {
    stop() {
      stream.off('data', read);
      return buffer;
    },
  };
}

/**
 * Starts scripts/serve-backends.ts under tsx and waits for its ready line. The configuration
 * (with the principal secret) goes over stdin, never the command line; closing stdin stops it.
 */
export async function startBackendsProcess(config: BackendsConfig, options: { startTimeoutMs?: number; logFile?: string } = {}): Promise<BackendsProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []), '--import', 'tsx', ENTRY], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const errTail: string[] = [];
  onLines(child.stderr!, (line) => {
    errTail.push(line);
    if (errTail.length > 40) errTail.shift();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stdoutLines: { stop(): string } | undefined;
  const ready = await new Promise<BackendsReady>((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(new Error(`backends process not ready within ${options.startTimeoutMs ?? 120_000} ms`)), options.startTimeoutMs ?? 120_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    stdoutLines = onLines(child.stdout!, (line) => {
      if (!line.startsWith('{')) return;
      try {
        const message = JSON.parse(line) as BackendsReady;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolvePromise(message);
        }
      } catch {
        // Not our line.
      }
    });
    child.once('error', fail);
    void exited.then((code) => fail(new Error(`backends process exited (code ${code}) before it was ready:\n${errTail.join('\n')}`)));
    child.stdin!.write(`${JSON.stringify(config)}\n`);
  });
  // After start-up, its log lines are not read here (this process runs the gateway under test): they go to the log file, or nowhere.
  const rest = stdoutLines!.stop();
  if (options.logFile) {
    const file = createWriteStream(options.logFile, { flags: 'a' });
    file.write(rest);
    child.stdout!.pipe(file);
  } else {
    child.stdout!.resume();
  }
  // After start-up, the child's warnings go to our stderr, marked, each distinct line once per bench run.
  onLines(child.stderr!, (line) => {
    const text = line.replace(/^\(node:\d+\) /, '').trim();
    if (!text || shownStderr.has(text)) return;
    shownStderr.add(text);
    process.stderr.write(`[backends] ${line}\n`);
  });
  let closed: Promise<void> | undefined;
  return {
    pid: ready.pid,
    sandboxes: ready.sandboxes,
    subgraphs: ready.subgraphs,
    async stats() {
      const entries = await Promise.all(BACKENDS.map(async (b) => [b, await getJson<SandboxStats>(`${ready.sandboxes[b]}/__sandbox/stats`)] as const));
      return Object.fromEntries(entries) as Record<Backend, SandboxStats>;
    },
    metrics: () => getJson(`${ready.admin}/metrics.json`),
    processInfo: () => getJson(`${ready.admin}/process`),
    close() {
      closed ??= (async () => {
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}
