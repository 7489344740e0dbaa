/** Runs a load job in a worker thread and hands back every request's result. */
import { Worker } from 'node:worker_threads';
import type { LoadJob, RequestResult, WorkerMessage } from './load-worker.js';

export type { LoadJob, PlannedRequest, RequestResult } from './load-worker.js';

/** Runs `job` in the load worker; `onProgress` gets the running count about once a second. */
export function runLoad(job: LoadJob, onProgress?: (done: number, errors: number) => void): Promise<RequestResult[]> {
  return new Promise((resolve, reject) => {
    // The worker registers tsx's loader before importing its TypeScript entry (execArgv hooks do not reach workers on Node 20).
    const entry = new URL('./load-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.errors);
      else {
        settled = true;
        resolve(message.results);
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before finishing`));
    });
  });
}

/** The p-th percentile (0..100) of unsorted values, by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
