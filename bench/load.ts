/** Runs a load job in a child process of its own and hands back every request's result. */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { LoadJob, RequestResult, WorkerMessage } from './load-worker.js';

export type { LoadJob, PlannedRequest, RequestResult } from './load-worker.js';

/** Every request's result (warm-up included), and the load process's own CPU time (ms) over the measured part. */
export interface LoadOutcome {
  results: RequestResult[];
  cpuMs: number;
  /** When the warm-up ended (epoch ms); every result that ends after it is measured. */
  warmEndedAt: number;
}

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/**
 * Runs `job` in a forked load process; `onProgress` gets the running count about once a second,
 * and `onWarm` is awaited (the load goes on meanwhile) when the warm-up ends: the moment to read
 * the counters the measured part starts from.
 */
export function runLoad(job: LoadJob, onProgress?: (done: number, errors: number) => void, onWarm?: () => Promise<void>): Promise<LoadOutcome> {
  return new Promise((resolvePromise, reject) => {
    // Structured-clone IPC: the plan and the results are large arrays.
    const child = fork(new URL('./load-worker.ts', import.meta.url).pathname, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    let warm: { at: number; cpuMs: number; ready: Promise<void> } | undefined;
    const cpuMs = (cpu: NodeJS.CpuUsage) => (cpu.user + cpu.system) / 1000;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.errors);
      else if (message.type === 'warm') warm = { at: message.at, cpuMs: cpuMs(message.cpu), ready: onWarm?.() ?? Promise.resolve() };
      else {
        settled = true;
        const start = warm ?? { at: -Infinity, cpuMs: 0, ready: Promise.resolve() };
        start.ready.then(
          () => resolvePromise({ results: message.results, cpuMs: cpuMs(message.cpu) - start.cpuMs, warmEndedAt: start.at }),
          reject,
        );
      }
    });
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`load process exited with code ${code} before finishing`));
    });
    child.send(job);
  });
}

/** The p-th percentile (0..100) of unsorted values, by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
