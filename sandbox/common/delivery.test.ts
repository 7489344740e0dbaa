import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryQueue } from './delivery.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

/** A receiver that answers each request with the next status of `statuses` (then 200) after `delayMs`. */
async function receiver(statuses: number[], delayMs = 0) {
  const got: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(body);
      const status = statuses.shift() ?? 200;
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

describe('DeliveryQueue', () => {
  it('keeps a record’s notifications in order across retries, and counts attempts', async () => {
    const { url, got } = await receiver([503, 200, 200], 5);
    const queue = new DeliveryQueue({ policy: { timeoutMs: 1000, retryDelay: (attempt) => (attempt < 3 ? 10 : undefined) } });
    for (const body of ['a1', 'a2', 'a3']) queue.enqueue({ url, key: 'a', body, headers: () => ({}) });
    await queue.idle();
    expect(got).toEqual(['a1', 'a1', 'a2', 'a3']);
    expect(queue.stats()).toMatchObject({ enqueued: 3, delivered: 3, failed: 0, attempts: 4, retries: 1, pending: 0 });
  });

  it('gives up as the policy says, times attempts out, and drops past the bound', async () => {
    const { url } = await receiver([500, 500], 0);
    const queue = new DeliveryQueue({ policy: { timeoutMs: 1000, retryDelay: () => undefined }, maxPending: 2 });
    queue.enqueue({ url, key: 'a', body: '1', headers: () => ({}) });
    queue.enqueue({ url, key: 'b', body: '2', headers: () => ({}) });
    expect(queue.enqueue({ url, key: 'c', body: '3', headers: () => ({}) })).toBe(false);
    await queue.idle();
    expect(queue.stats()).toMatchObject({ enqueued: 2, delivered: 0, failed: 2, dropped: 1, lastFailure: { url, outcome: 'HTTP 500' } });

    const slow = new DeliveryQueue({ policy: { timeoutMs: 50, retryDelay: () => undefined } });
    const { url: slowUrl } = await receiver([], 300);
    slow.enqueue({ url: slowUrl, key: 'a', body: '1', headers: () => ({}) });
    await slow.idle();
    expect(slow.stats().lastFailure?.outcome).toBe('timeout');
  });
});
