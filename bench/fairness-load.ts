/**
 * The load of the fairness benchmark, in a child process of its own (forked by fairness.ts):
 * support agents opening customer-360 views at a fixed rate (open loop: a slow answer does not
 * slow the next view down), and optionally one partner flooding with a persisted operation on
 * closed-loop connections. Reports the agents' latencies of the measured part and what the
 * partner's requests were answered.
 */
import { createHttpClient } from '../platform/http/client.js';

/** What the worker runs. */
export interface FairnessJob {
  url: string;
  agents: { tokens: string[]; query: string; ids: string[]; perSecond: number };
  flood?: { token: string; documentId: string; ids: string[]; variables: Record<string, unknown>; connections: number };
  warmupMs: number;
  durationMs: number;
}

/** What it reports. */
export interface FairnessOutcome {
  /** Latencies (ms) of the agents' views that started after the warm-up. */
  agentMs: number[];
  /** Agents' views answered with a status other than 200, errors or no customer. */
  agentFailures: number;
  /** The partner's requests in the measured part, by HTTP status (and `error:<code>` for errors in a 200). */
  flood: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(job: FairnessJob): Promise<FairnessOutcome> {
  const http = createHttpClient();
  const started = performance.now();
  const measuredFrom = started + job.warmupMs;
  const end = measuredFrom + job.durationMs;
  const outcome: FairnessOutcome = { agentMs: [], agentFailures: 0, flood: {} };
  const post = (token: string, body: unknown) =>
    http(job.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });

  const views: Promise<void>[] = [];
  const agents = (async () => {
    const interval = 1000 / job.agents.perSecond;
    for (let i = 0; ; i++) {
      const at = started + i * interval;
      if (at >= end) break;
      await sleep(Math.max(0, at - performance.now()));
      const id = job.agents.ids[i % job.agents.ids.length]!;
      const token = job.agents.tokens[i % job.agents.tokens.length]!;
      views.push(
        (async () => {
          const t0 = performance.now();
          let ok = false;
          try {
            const res = await post(token, { query: job.agents.query, variables: { id } });
            const body = JSON.parse(res.body) as { data?: { customer?: unknown }; errors?: { extensions?: { code?: string } }[] };
            // FORBIDDEN is an expected answer: fields the support role may not read (billing amounts).
            ok = res.status === 200 && !!body.data?.customer && !(body.errors ?? []).some((e) => e.extensions?.code !== 'FORBIDDEN');
          } catch {
            ok = false;
          }
          if (t0 < measuredFrom) return;
          outcome.agentMs.push(performance.now() - t0);
          if (!ok) outcome.agentFailures += 1;
        })(),
      );
    }
  })();

  const flood = job.flood;
  let next = 0;
  const connections = flood
    ? Array.from({ length: flood.connections }, async () => {
        while (performance.now() < end) {
          const id = flood.ids[next++ % flood.ids.length]!;
          const t0 = performance.now();
          let key: string;
          try {
            const res = await post(flood.token, { documentId: flood.documentId, variables: { ...flood.variables, id } });
            const body = JSON.parse(res.body) as { errors?: { extensions?: { code?: string } }[] };
            key = res.status === 200 && body.errors?.length ? `error:${body.errors[0]!.extensions?.code ?? 'unknown'}` : String(res.status);
            // A refused client waits as told (Retry-After), as a well-behaved integration does.
            if (res.status === 429) await sleep(Math.min(1000, Number(res.headers.get('retry-after') ?? '1') * 1000));
          } catch (err) {
            key = err instanceof Error ? err.name : 'failure';
          }
          if (t0 >= measuredFrom) outcome.flood[key] = (outcome.flood[key] ?? 0) + 1;
        }
      })
    : [];
  await Promise.all([agents, ...connections]);
  await Promise.all(views);
  await http.close();
  return outcome;
}

if (process.send) {
  process.once('disconnect', () => process.exit(0));
  process.once('message', (job: FairnessJob) => {
    void run(job).then((outcome) => process.send!(outcome, undefined, {}, () => process.exit(0)));
  });
}
