import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createAuditLog, readAuditLog } from '../../../platform/audit/audit-log.js';
import { unreachableRedisUrl } from '../../../platform/testing/redis-server.js';
import { createIdempotencyStore } from './idempotency.js';
import { startReconciler, type OrphanWrite } from './reconciler.js';
import { createWriteProgressStore, type WriteProgress } from './write-progress.js';

const dir = mkdtempSync(join(tmpdir(), 'c360-reconciler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const progressOf = (id: string, over: Partial<WriteProgress> = {}): WriteProgress => ({
  id, operation: 'placeOrder', step: 'created', status: 'stalled', leaseUntil: 0, correlationId: 'req-1', principal: { sub: 'u', roles: ['sales_rep'] },
  targetIds: ['001'], data: { orderId: 7 }, reconcileAttempts: 0, updatedAt: 0, ...over,
});

describe('the write progress file', () => {
  it('keeps unfinished writes across a reopen, and a claim respects the lease', async () => {
    const path = join(dir, 'progress.jsonl');
    const first = createWriteProgressStore({ path });
    await first.put(progressOf('a'));
    await first.put(progressOf('b', { leaseUntil: Date.now() + 60_000 }));
    await first.put(progressOf('c'));
    await first.remove('c');
    await first.close();
    const reopened = createWriteProgressStore({ path });
    expect((await reopened.list()).map((p) => p.id).sort()).toEqual(['a', 'b']);
    expect(await reopened.claim('b', Date.now(), Date.now() + 1000)).toBeUndefined();
    expect(await reopened.claim('a', Date.now(), Date.now() + 1000)).toMatchObject({ id: 'a', reconcileAttempts: 1 });
    expect(await reopened.claim('a', Date.now(), Date.now() + 1000)).toBeUndefined();
    await reopened.close();
  });
});

describe('the write progress store on Redis', () => {
  it('fails a write of progress while Redis is unreachable, without writing to the console', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const store = createWriteProgressStore({ redisUrl: await unreachableRedisUrl() });
    try {
      await expect(store.put(progressOf('a'))).rejects.toThrow();
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
      await store.close();
    }
  });
});

describe('the reconciler', () => {
  it('ends a stalled write, settles its key so that it replays without the backend, audits it and forgets it', async () => {
    const progress = createWriteProgressStore({});
    const idempotency = createIdempotencyStore({ keyPrefix: 'test' });
    const log = createAuditLog({ path: join(dir, 'audit.jsonl') });
    const key = { scope: 'placeOrder:sub:u', key: 'k1', inputDigest: 'd1' };
    // The client's attempt ended in an unknown outcome.
    await idempotency.run({ ...key, execute: () => Promise.reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })) }).catch(() => undefined);
    await progress.put(progressOf('m1', { idempotency: key }));
    const resumed: string[] = [];
    const reconciler = startReconciler({
      progress, idempotency, log, boundMs: 60_000,
      sagas: [{ operation: 'placeOrder', ownerSystem: 'odoo', resume: async (p) => (resumed.push(p.id), { outcome: 'completed', value: { order: 7 }, backendRecordId: '7' }) }],
    });
    expect(await reconciler.pass()).toEqual({ completed: 1, compensated: 0, failed: 0 });
    expect(resumed).toEqual(['m1']);
    expect(await progress.list()).toEqual([]);
    let executed = false;
    const replay = await idempotency.run({ ...key, execute: async () => ((executed = true), { order: 8 }) });
    expect(replay).toEqual({ value: { order: 7 }, replayed: true });
    expect(executed).toBe(false);
    await reconciler.stop();
    await log.close();
    expect((await readAuditLog(join(dir, 'audit.jsonl'))).map((r) => [r.actor, r.backendOutcome, r.idempotencyKey, r.correlationId])).toEqual([['reconciler', 'completed', 'k1', 'req-1']]);
  });

  it("settles the key of a write whose process died mid-way, over the dead attempt's lease", async () => {
    const progress = createWriteProgressStore({});
    // The key's lease outlives the write's progress lease, as by default (30 s against 15 s).
    const idempotency = createIdempotencyStore({ keyPrefix: 'test-dead', leaseMs: 60_000, waitTimeoutMs: 100 });
    const log = createAuditLog({ path: join(dir, 'audit-dead.jsonl') });
    const key = { scope: 'placeOrder:sub:u', key: 'k-dead', inputDigest: 'd1' };
    // The attempt records its progress with the id it holds the key under, then its process stops.
    let recorded = false;
    void idempotency.run({
      ...key,
      execute: async (attempt) => {
        await progress.put(progressOf('m-dead', { status: 'running', idempotency: { ...key, attempt } }));
        recorded = true;
        return new Promise<never>(() => undefined);
      },
    });
    for (let i = 0; i < 100 && !recorded; i++) await new Promise((r) => setTimeout(r, 5));
    const reconciler = startReconciler({
      progress, idempotency, log, boundMs: 60_000,
      sagas: [{ operation: 'placeOrder', ownerSystem: 'odoo', resume: async () => ({ outcome: 'completed', value: { order: 9 }, backendRecordId: '9' }) }],
    });
    expect(await reconciler.pass()).toEqual({ completed: 1, compensated: 0, failed: 0 });
    // The next call with the key is answered from the store, not told to wait for the dead attempt.
    let executed = false;
    expect(await idempotency.run({ ...key, execute: async () => ((executed = true), { order: 10 }) })).toEqual({ value: { order: 9 }, replayed: true });
    expect(executed).toBe(false);
    await reconciler.stop();
    await log.close();
    await idempotency.close();
  });

  it('undoes a marked write without progress on the search after the one that first found it', async () => {
    const progress = createWriteProgressStore({});
    const log = createAuditLog({ path: join(dir, 'orphans.jsonl') });
    const undone: string[] = [];
    const orphans: OrphanWrite[] = [{ id: 'c360-run:x', backendRecordId: '9', compensate: async () => void undone.push('9') }, { id: 'c360-run:known', backendRecordId: '10', compensate: async () => void undone.push('10') }];
    await progress.put(progressOf('c360-run:known', { leaseUntil: Date.now() + 60_000 }));
    const reconciler = startReconciler({
      progress, idempotency: createIdempotencyStore({ keyPrefix: 'test2' }), log, boundMs: 60_000, orphanScanEveryMs: 1,
      sagas: [{ operation: 'placeOrder', ownerSystem: 'odoo', resume: async () => ({ outcome: 'compensated', backendRecordId: null }), findUnfinished: async () => orphans }],
    });
    // The first search comes one interval after start.
    await new Promise((r) => setTimeout(r, 5));
    expect((await reconciler.pass()).compensated).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect((await reconciler.pass()).compensated).toBe(1);
    expect(undone).toEqual(['9']);
    await reconciler.stop();
    await log.close();
  });
});
