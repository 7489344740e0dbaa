import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../../subgraphs/shared/metrics/registry.js';
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

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

async function dedupCount(): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === 'gateway_subgraph_fetch_dedup_total');
  return (metric?.values ?? []).filter((v) => v.labels.subgraph === 'test').reduce((sum, v) => sum + v.value, 0);
}

describe('createFetchDedup', () => {
  it('sends one fetch for identical concurrent calls and gives each caller its own copy', async () => {
    const dedup = createFetchDedup();
    const before = await dedupCount();
    const gate = deferred<Response>();
    let calls = 0;
    const load = () => {
      calls++;
      return gate.promise;
    };
    const key = fetchDedupKey('http://orders/graphql', 'orders:read|', '{"query":"{a}"}');
    const answers = Array.from({ length: 5 }, () => dedup.fetch('test', key, load));
    expect(dedup.inFlight).toBe(1);
    gate.resolve(json({ data: { order: { id: '42', lines: [1, 2] } } }));
    const bodies = (await Promise.all((await Promise.all(answers)).map((r) => r.json()))) as Array<{ data: { order: { lines: number[] } } }>;
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
    const load = async () => new Response(String(++calls), { status: 200 });
    expect(await (await dedup.fetch('test', 'k', load)).text()).toBe('1');
    expect(await (await dedup.fetch('test', 'k', load)).text()).toBe('2');
  });

  it('hands a failure to every waiter, then lets the next call try again', async () => {
    const dedup = createFetchDedup();
    const gate = deferred<Response>();
    const a = dedup.fetch('test', 'k', () => gate.promise);
    const b = dedup.fetch('test', 'k', () => gate.promise);
    gate.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    await expect(a).rejects.toThrow('timed out');
    await expect(b).rejects.toThrow('timed out');
    const ok = await dedup.fetch('test', 'k', async () => new Response('{}', { status: 200 }));
    expect(await ok.text()).toBe('{}');
  });

  it('keeps status, headers and url of the answer', async () => {
    const dedup = createFetchDedup();
    const answer = new Response('{"errors":[]}', { status: 503, statusText: 'Service Unavailable', headers: { 'content-type': 'application/json' } });
    Object.defineProperty(answer, 'url', { value: 'http://orders/graphql' });
    const copy = await dedup.fetch('test', 'k', async () => answer);
    expect(copy.status).toBe(503);
    expect(copy.ok).toBe(false);
    expect(copy.statusText).toBe('Service Unavailable');
    expect(copy.headers.get('content-type')).toBe('application/json');
    expect(copy.url).toBe('http://orders/graphql');
  });
});
