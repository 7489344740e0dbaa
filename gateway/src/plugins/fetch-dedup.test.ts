import { describe, expect, it } from 'vitest';
import { httpHeaders, type HttpAnswer } from '../../../platform/http/client.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import { createFetchDedup, fetchDedupKey } from './fetch-dedup.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const answer = (body: string, status = 200, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers: httpHeaders(headers), body });
const json = (body: unknown) => answer(JSON.stringify(body), 200, { 'content-type': 'application/json' });

async function dedupCount(): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === 'c360_gateway_subgraph_fetch_dedup_total');
  return (metric?.values ?? []).filter((v) => v.labels.subgraph === 'test').reduce((sum, v) => sum + v.value, 0);
}

describe('createFetchDedup', () => {
  it('sends one fetch for identical concurrent calls and gives each caller its own copy', async () => {
    const dedup = createFetchDedup();
    const before = await dedupCount();
    const gate = deferred<HttpAnswer>();
    let calls = 0;
    const load = () => {
      calls++;
      return gate.promise;
    };
    const key = fetchDedupKey('http://orders/graphql', 'orders:read|', '{"query":"{a}"}');
    const answers = Array.from({ length: 5 }, () => dedup.fetch('test', key, load));
    expect(dedup.inFlight).toBe(1);
    gate.resolve(json({ data: { order: { id: '42', lines: [1, 2] } } }));
    const bodies = (await Promise.all(answers)).map((r) => JSON.parse(r.body)) as Array<{ data: { order: { lines: number[] } } }>;
    expect(calls).toBe(1);
    expect(bodies).toHaveLength(5);
    // The gateway mutates results: one waiter's change must not show in another's.
    bodies[0]!.data.order.lines.push(3);
    expect(bodies[1]!.data.order.lines).toEqual([1, 2]);
    expect(await dedupCount()).toBe(before + 4);
    expect(dedup.inFlight).toBe(0);
  });

  it('never merges different keys (visibility, body, url)', async () => {
    const dedup = createFetchDedup();
    let calls = 0;
    const load = async () => {
      calls++;
      return json({ data: {} });
    };
    await Promise.all([
      dedup.fetch('test', fetchDedupKey('u', 'orders:read|', 'b'), load),
      dedup.fetch('test', fetchDedupKey('u', 'orders:read|001000000000001AAA', 'b'), load),
      dedup.fetch('test', fetchDedupKey('u', 'orders:read|', 'c'), load),
      dedup.fetch('test', fetchDedupKey('v', 'orders:read|', 'b'), load),
    ]);
    expect(calls).toBe(4);
  });

  it('keeps nothing once a fetch settled', async () => {
    const dedup = createFetchDedup();
    let calls = 0;
    const load = async () => answer(String(++calls));
    expect((await dedup.fetch('test', 'k', load)).body).toBe('1');
    expect((await dedup.fetch('test', 'k', load)).body).toBe('2');
  });

  it('hands a failure to every waiter, then lets the next call try again', async () => {
    const dedup = createFetchDedup();
    const gate = deferred<HttpAnswer>();
    const a = dedup.fetch('test', 'k', () => gate.promise);
    const b = dedup.fetch('test', 'k', () => gate.promise);
    gate.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    await expect(a).rejects.toThrow('timed out');
    await expect(b).rejects.toThrow('timed out');
    const ok = await dedup.fetch('test', 'k', async () => answer('{}'));
    expect(ok.body).toBe('{}');
  });

  it('keeps status and headers of the answer', async () => {
    const dedup = createFetchDedup();
    const load = async () => answer('{"errors":[]}', 503, { 'content-type': 'application/json' });
    const [a, b] = await Promise.all([dedup.fetch('test', 'k', load), dedup.fetch('test', 'k', load)]);
    for (const copy of [a!, b!]) {
      expect(copy.status).toBe(503);
      expect(copy.headers.get('Content-Type')).toBe('application/json');
      expect(copy.body).toBe('{"errors":[]}');
    }
  });
});
