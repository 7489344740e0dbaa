import { describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { unreachableRedisUrl } from '../../../platform/testing/redis-server.js';
import { canonicalJson, digestInput } from '../../../platform/json/canonical-json.js';
import {
  createIdempotencyStore,
  IdempotencyConflictError,
  IdempotencyKeyError,
  validateIdempotencyKey,
} from './idempotency.js';
import { counter, idempotencyTestStores, type StorePair } from './idempotency-test-stores.js';
import { OutcomeUnknownError } from './outcome.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let uniq = 0;
const newKey = () => `key-${Date.now()}-${++uniq}`;
const digest = digestInput({ customerId: '001', lines: [{ sku: 'A', quantity: 1 }] });
const otherDigest = digestInput({ customerId: '001', lines: [{ sku: 'A', quantity: 2 }] });

const stores = idempotencyTestStores('test');

function behaviour(name: string, pair: () => StorePair) {
  describe(name, () => {
    it('executes once for 20 concurrent calls with one key; all get the same value', async () => {
      const [a, b] = pair()();
      const execute = counter({ orderId: 42 }, 50);
      const key = newKey();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).run({ scope: 'placeOrder:u1', key, inputDigest: digest, execute })),
      );
      expect(execute.calls).toBe(1);
      expect(results.map((r) => r.value)).toEqual(Array.from({ length: 20 }, () => ({ orderId: 42 })));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    });

    it('replays a stored result without executing', async () => {
      const [a, b] = pair()();
      const key = newKey();
      const execute = counter('S00042');
      expect(await a.run({ scope: 's', key, inputDigest: digest, execute })).toEqual({ value: 'S00042', replayed: false });
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute })).toEqual({ value: 'S00042', replayed: true });
      expect(await a.run({ scope: 's', key, inputDigest: digest, execute })).toEqual({ value: 'S00042', replayed: true });
      expect(execute.calls).toBe(1);
    });

    it('keeps scopes apart: the same key of another principal executes', async () => {
      const [a] = pair()();
      const key = newKey();
      const execute = counter(1);
      await a.run({ scope: 'placeOrder:u1', key, inputDigest: digest, execute });
      await a.run({ scope: 'placeOrder:u2', key, inputDigest: otherDigest, execute });
      expect(execute.calls).toBe(2);
    });

    it('refuses the same key with another input, stored or in flight', async () => {
      const [a, b] = pair()();
      const key = newKey();
      const slow = counter('first', 100);
      const first = a.run({ scope: 's', key, inputDigest: digest, execute: slow });
      await sleep(20);
      const inFlight = await b.run({ scope: 's', key, inputDigest: otherDigest, execute: counter('x') }).catch((e: unknown) => e);
      expect(inFlight).toBeInstanceOf(IdempotencyConflictError);
      expect(inFlight).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'INPUT_MISMATCH', extensions: { code: 'IDEMPOTENCY_CONFLICT' } });
      await first;
      await expect(b.run({ scope: 's', key, inputDigest: otherDigest, execute: counter('x') })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
      });
      expect(slow.calls).toBe(1);
    });

    it('releases the key after a failure: concurrent callers share the error, a retry executes', async () => {
      const [a, b] = pair()();
      const key = newKey();
      let calls = 0;
      const failing = async () => {
        calls++;
        await sleep(50);
        throw new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'product is archived' });
      };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).run({ scope: 's', key, inputDigest: digest, execute: failing })),
      );
      expect(calls).toBe(1);
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        expect((o as PromiseRejectedResult).reason).toMatchObject({ name: 'BackendError', backend: 'odoo', code: 'REJECTED', message: 'product is archived' });
      }
      const retry = counter('ok');
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute: retry })).toEqual({ value: 'ok', replayed: false });
      expect(retry.calls).toBe(1);
    });

    it('keeps an unknown outcome: the retry recovers the write instead of repeating it', async () => {
      const [a, b] = pair()();
      const key = newKey();
      const timedOut = async (): Promise<string> => {
        throw new OutcomeUnknownError({ backend: 'odoo' });
      };
      await expect(a.run({ scope: 's', key, inputDigest: digest, execute: timedOut })).rejects.toMatchObject({ code: 'UNAVAILABLE', outcomeUnknown: true });

      // Another input under the key stays a conflict: the first may have been applied.
      await expect(b.run({ scope: 's', key, inputDigest: otherDigest, execute: counter('x') })).rejects.toBeInstanceOf(IdempotencyConflictError);

      const execute = counter('never');
      let recoverCalls = 0;
      const recover = async () => {
        recoverCalls++;
        return 'S00077';
      };
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute, recover })).toEqual({ value: 'S00077', replayed: true, recovered: true });
      expect(await a.run({ scope: 's', key, inputDigest: digest, execute, recover })).toEqual({ value: 'S00077', replayed: true });
      expect(execute.calls).toBe(0);
      expect(recoverCalls).toBe(1);
    });

    it('executes again after an unknown outcome when recover() finds nothing, and stays unknown when recover() fails', async () => {
      const [a, b] = pair()();
      const key = newKey();
      const timeout = Object.assign(new Error('timed out'), { name: 'TaskCancelledError' });
      const wrapped = new BackendError({ backend: 'servicedesk', code: 'UNAVAILABLE', message: 'no answer', cause: timeout });
      await expect(a.run({ scope: 's', key, inputDigest: digest, execute: async () => Promise.reject(wrapped) })).rejects.toBe(wrapped);

      const brokenRecover = async (): Promise<string | undefined> => {
        throw new BackendError({ backend: 'servicedesk', code: 'UNAVAILABLE', message: 'down' });
      };
      const execute = counter('case-9');
      await expect(b.run({ scope: 's', key, inputDigest: digest, execute, recover: brokenRecover })).rejects.toMatchObject({ message: 'down' });
      expect(execute.calls).toBe(0);

      let recoverCalls = 0;
      const nothing = async () => {
        recoverCalls++;
        return undefined;
      };
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute, recover: nothing })).toEqual({ value: 'case-9', replayed: false });
      expect(await a.run({ scope: 's', key, inputDigest: digest, execute, recover: nothing })).toEqual({ value: 'case-9', replayed: true });
      expect(recoverCalls).toBe(1);
      expect(execute.calls).toBe(1);
    });

    it('treats an attempt whose lease ran out (crashed replica) as of unknown outcome', async () => {
      const [a, b] = pair()({ leaseMs: 100 });
      const key = newKey();
      void a.run({ scope: 's', key, inputDigest: digest, execute: () => new Promise<string>(() => undefined) });
      await sleep(20);
      const execute = counter('again');
      let recoverCalls = 0;
      const recover = async () => {
        recoverCalls++;
        return undefined;
      };
      const started = Date.now();
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute, recover })).toEqual({ value: 'again', replayed: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(60);
      expect(recoverCalls).toBe(1);
      expect(execute.calls).toBe(1);
    });

    it("takes the reconciler's outcome over a live lease only from the attempt that started the write", async () => {
      const [a, b] = pair()({ leaseMs: 60_000, waitTimeoutMs: 50 });
      const key = newKey();
      // An attempt that holds its key and never ends (its process was killed mid-write).
      let holder: string | undefined;
      void a.run({ scope: 's', key, inputDigest: digest, execute: (attempt) => ((holder = attempt), new Promise<string>(() => undefined)) });
      for (let i = 0; i < 100 && holder === undefined; i++) await sleep(5);
      expect(holder).toEqual(expect.any(String));
      const execute = counter('again');
      // Another attempt's id (or none) leaves the live lease alone: a later call still waits for it.
      await b.resolve({ scope: 's', key, inputDigest: digest, attempt: 'someone-else' }, { state: 'done', value: 'ended' });
      await b.resolve({ scope: 's', key, inputDigest: digest }, { state: 'done', value: 'ended' });
      await expect(b.run({ scope: 's', key, inputDigest: digest, execute })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'IN_PROGRESS' });
      // The holder's own id: the write the reconciler ended answers from the store at once.
      await b.resolve({ scope: 's', key, inputDigest: digest, attempt: holder }, { state: 'done', value: 'ended' });
      expect(await b.run({ scope: 's', key, inputDigest: digest, execute })).toEqual({ value: 'ended', replayed: true });
      expect(execute.calls).toBe(0);
    });

    it('gives up waiting after waitTimeoutMs with IN_PROGRESS', async () => {
      const [a, b] = pair()({ waitTimeoutMs: 100 });
      const key = newKey();
      const slow = a.run({ scope: 's', key, inputDigest: digest, execute: counter('late', 400) });
      await sleep(10);
      await expect(b.run({ scope: 's', key, inputDigest: digest, execute: counter('x') })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
        reason: 'IN_PROGRESS',
      });
      expect((await slow).value).toBe('late');
    });
  });
}

describe('idempotency store', () => {
  behaviour('in process', () => stores.inProcess);

  describe('on Redis', () => {
    behaviour('two replicas', () => stores.replicas);

    it('stores results with the TTL and no raw input', async () => {
      const store = stores.onRedis({ keyPrefix: 'ttl-test', ttlSeconds: 3600 });
      await store.run({ scope: 's', key: 'k-1', inputDigest: digest, execute: async () => ({ id: 7 }) });
      const client = new Redis(stores.redisUrl());
      try {
        const keys = await client.keys('ttl-test:*');
        expect(keys).toHaveLength(1);
        const ttl = await client.pttl(keys[0]!);
        expect(ttl).toBeGreaterThan(3_590_000);
        expect(ttl).toBeLessThanOrEqual(3_600_000);
        expect(JSON.parse((await client.get(keys[0]!))!)).toMatchObject({ state: 'done', digest, value: { id: 7 } });
      } finally {
        client.disconnect();
      }
    });

    it('fails a call while Redis is unreachable with BACKEND_UNAVAILABLE, without running the write or writing to the console', async () => {
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
      const store = createIdempotencyStore({ keyPrefix: 'down', redisUrl: await unreachableRedisUrl() });
      try {
        const execute = counter({ id: 1 });
        await expect(store.run({ scope: 's', key: newKey(), inputDigest: digest, execute })).rejects.toMatchObject({
          message: 'The idempotency store is unavailable: nothing was written; retry later',
          extensions: { code: 'BACKEND_UNAVAILABLE', store: 'idempotency', retryAfterSeconds: 1 },
        });
        expect(execute.calls).toBe(0);
        expect(consoleError).not.toHaveBeenCalled();
      } finally {
        consoleError.mockRestore();
        await store.close();
      }
    });
  });
});

describe('idempotency keys and digests', () => {
  it('accepts 1..200 printable ASCII characters and refuses the rest with BAD_USER_INPUT', async () => {
    expect(() => validateIdempotencyKey('a')).not.toThrow();
    expect(() => validateIdempotencyKey('x'.repeat(200))).not.toThrow();
    expect(() => validateIdempotencyKey('7f1c0a4e-3b1d-4c55-9a2e-0c5c1c1d7e01')).not.toThrow();
    for (const bad of ['', 'x'.repeat(201), 'line\nbreak', 'tab\there', 'clé', 42, undefined]) {
      expect(() => validateIdempotencyKey(bad)).toThrow(IdempotencyKeyError);
    }
    const store = createIdempotencyStore({ keyPrefix: 'k' });
    const execute = counter(1);
    await expect(store.run({ scope: 's', key: '', inputDigest: digest, execute })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { code: 'BAD_USER_INPUT', field: 'idempotencyKey' },
    });
    expect(execute.calls).toBe(0);
  });

  it('refuses bad options naming the value', () => {
    expect(() => createIdempotencyStore({ keyPrefix: '' })).toThrow(TypeError);
    expect(() => createIdempotencyStore({ keyPrefix: 'p', ttlSeconds: 0 })).toThrow(/ttlSeconds must be a positive number, got 0/);
    expect(() => createIdempotencyStore({ keyPrefix: 'p', followUpMs: -1 })).toThrow(/followUpMs must be a number >= 0, got -1/);
  });

  it('digests canonical JSON: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(digestInput({ a: 1, b: [1, 2] })).toBe(digestInput({ b: [1, 2], a: 1 }));
    expect(digestInput({ a: 1, b: [1, 2] })).not.toBe(digestInput({ a: 1, b: [2, 1] }));
    expect(digestInput({ a: '1' })).not.toBe(digestInput({ a: 1 }));
    expect(digestInput({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
