import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../platform/http/listen.js';
import { runLoad, type PlannedRequest } from './load.js';

// A GraphQL-shaped answer for every request, each id's answer taking its time.
let server: Listening;
const seen: string[] = [];

beforeAll(async () => {
  server = await listen(
    createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const id = (JSON.parse(body) as { variables: { id: string } }).variables.id;
        seen.push(id);
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { customer: { id } } })), 5);
      });
    }),
    0,
    '127.0.0.1',
  );
});

afterAll(async () => {
  await server.close();
});

describe('load by count', () => {
  it('sends the warm-up requests of the plan, then the measured ones, and nothing after them, whatever time they take', async () => {
    seen.length = 0;
    const plan: PlannedRequest[] = Array.from({ length: 40 }, (_, i) => ({ q: 0, id: `c${i}`, t: 0 }));
    let warmedAt: number | undefined;
    const outcome = await runLoad(
      // The time bounds would stop it at once: by count they are not read.
      { url: `${server.origin}/graphql`, queries: ['query($id: ID!) { customer(id: $id) { id } }'], tokens: ['t'], plan, concurrency: 3, warmupMs: 0, durationMs: 1, timeoutMs: 5_000, counts: { warmup: 10, measured: 15 } },
      undefined,
      async () => {
        warmedAt = Date.now();
      },
    );
    expect(outcome.results.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect([...seen].sort()).toEqual(plan.slice(0, 25).map((p) => p.id).sort());
    expect(warmedAt).toBeDefined();
    // The warm-up ended as request 10 went out: it was sent after, and the first ten before.
    const sent = new Map(outcome.results.map((r) => [r.i, r.start]));
    for (let i = 0; i < 10; i++) expect(sent.get(i)!).toBeLessThanOrEqual(outcome.warmEndedAt);
    for (let i = 10; i < 25; i++) expect(sent.get(i)!).toBeGreaterThanOrEqual(outcome.warmEndedAt);
  });
});
