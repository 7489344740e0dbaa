/**
 * The load generator, in a child process of its own (forked by load.ts) so that it shares neither
 * the gateway's nor the backends' event loop: closed-loop clients that each send the next request
 * of a fixed plan as soon as their last one is answered, until the plan or the time runs out.
 */
import { createHttpClient } from '../platform/http/client.js';
import { summarizeResponse, type ResponseSummary } from './summarize.js';

/** One planned request: which query, which customer, which token. */
export interface PlannedRequest {
  /** Index into `LoadJob.queries`. */
  q: number;
  /** Customer (Account) id: the `$id` variable. */
  id: string;
  /** Index into `LoadJob.tokens`. */
  t: number;
}

/** What the worker runs. */
export interface LoadJob {
  url: string;
  queries: string[];
  tokens: string[];
  plan: PlannedRequest[];
  concurrency: number;
  /** Load before the measured part: results keep coming, and a `warm` message marks the end. */
  warmupMs: number;
  /** The measured part, after the warm-up. */
  durationMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Keep the values the change stream changes in each summary (freshness runs). */
  shown?: boolean;
  /**
   * By count instead of by time: the first `warmup` requests of the plan warm up, the next
   * `measured` are measured, and `warmupMs`/`durationMs` are not read. Two runs then do the same
   * work whatever their speed (by time, the slower run measures a less filled cache).
   */
  counts?: { warmup: number; measured: number };
}

/** One completed (or failed) request. */
export interface RequestResult {
  /** Index in the plan. */
  i: number;
  /** Epoch milliseconds when it was sent. */
  start: number;
  ms: number;
  status: number;
  summary?: ResponseSummary;
  /** Transport failure or unparsable body. */
  failure?: string;
}

/** Messages from the load process; `cpu` is its own CPU time over the run. */
export type WorkerMessage =
  | { type: 'progress'; done: number; errors: number }
  /** The warm-up ended at `at` (epoch ms); `cpu` is this process's CPU time until then. */
  | { type: 'warm'; at: number; cpu: NodeJS.CpuUsage }
  | { type: 'done'; results: RequestResult[]; cpu: NodeJS.CpuUsage };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function run(job: LoadJob, cpuBefore: NodeJS.CpuUsage): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  const { counts } = job;
  const deadline = counts ? Infinity : performance.now() + job.warmupMs + job.durationMs;
  const end = counts ? Math.min(job.plan.length, counts.warmup + counts.measured) : job.plan.length;
  // On the same clock as every result's `start`.
  const warmNow = () => send({ type: 'warm', at: performance.timeOrigin + performance.now(), cpu: process.cpuUsage(cpuBefore) });
  const warm = counts ? undefined : setTimeout(warmNow, job.warmupMs);
  let next = 0;
  let errors = 0;
  const progress = setInterval(() => send({ type: 'progress', done: results.length, errors }), 1000);
  // The lightest client there is, so that the load process takes as little of the machine as it can.
  const http = createHttpClient();
  const client = async () => {
    while (next < end && performance.now() < deadline) {
      const i = next++;
      // By count, the warm-up ends as the first measured request goes out.
      if (counts && i === counts.warmup) warmNow();
      const planned = job.plan[i]!;
      const body = JSON.stringify({ query: job.queries[planned.q], variables: { id: planned.id } });
      const t0 = performance.now();
      const start = performance.timeOrigin + t0;
      try {
        const res = await http(job.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${job.tokens[planned.t]}` },
          body,
          signal: AbortSignal.timeout(job.timeoutMs),
        });
        const text = res.body;
        const ms = performance.now() - t0;
        let summary: ResponseSummary | undefined;
        let failure: string | undefined;
        try {
          summary = summarizeResponse(JSON.parse(text), res.headers.get('x-cache'), { shown: job.shown });
        } catch {
          failure = `unparsable body (${text.length} bytes)`;
        }
        if (failure || res.status !== 200 || !summary?.customer || summary.errorCodes.length > 0) errors++;
        results.push({ i, start, ms, status: res.status, summary, failure });
      } catch (err) {
        errors++;
        results.push({ i, start, ms: performance.now() - t0, status: 0, failure: err instanceof Error ? err.name : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  clearInterval(progress);
  clearTimeout(warm);
  await http.close();
  return results;
}

if (process.send) {
  // The bench process went away: nobody is left to take the results.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (job: LoadJob) => {
    const cpuBefore = process.cpuUsage();
    void run(job, cpuBefore).then((results) => {
      // Exit once the results are handed over (open keep-alive sockets would hold the process).
      process.send!({ type: 'done', results, cpu: process.cpuUsage(cpuBefore) } satisfies WorkerMessage, undefined, {}, () => process.exit(0));
    });
  });
}
