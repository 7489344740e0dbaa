import { describe, expect, it } from 'vitest';
import { createRecordCache } from './lru-record-cache.js';
import { createPassThroughCache } from './record-cache.js';
import { createCachedLoader, invalidateRecords, monotonicNow, primeRecords } from './cached-loader.js';
import { ODOO_KINDS } from '../connectors/odoo/record-kinds.js';

const silent = { stale() {} };

describe('primeRecords', () => {
  it('serves primed records to later loads without a backend call', async () => {
    const cache = createRecordCache({ tenant: 't' });
    primeRecords(cache, ODOO_KINDS.order, new Map([[1, { id: 1 }], [2, { id: 2 }]]), monotonicNow());
    let calls = 0;
    const loader = createCachedLoader(cache, ODOO_KINDS.order, async (ids: number[]) => {
      calls++;
      return new Map(ids.map((id) => [id, { id }]));
    }, silent);
    expect(await loader.loadMany([1, 2, 3])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(calls).toBe(1); // only id 3
    cache.close();
  });

  it('lets a load started at once join the priming instead of calling the backend', async () => {
    const cache = createRecordCache({ tenant: 't' });
    primeRecords(cache, ODOO_KINDS.orderByName, new Map([['S00001', { id: 1 }]]), monotonicNow());
    const loaded = await cache.getMany(ODOO_KINDS.orderByName, ['S00001'], async () => {
      throw new Error('must not be called');
    });
    expect(loaded).toEqual([{ id: 1 }]);
    cache.close();
  });

  it('takes no budget slot: primed records are served while every slot is busy', async () => {
    const cache = createRecordCache({ tenant: 't', budgets: { odoo: 1 } });
    let release!: () => void;
    const busy = cache.getMany(ODOO_KINDS.order, [9], () => new Promise<Map<number, { id: number }>>((resolve) => (release = () => resolve(new Map([[9, { id: 9 }]])))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.stats().loads.odoo).toMatchObject({ active: 1, queued: 0 });
    primeRecords(cache, ODOO_KINDS.order, new Map([[1, { id: 1 }]]), monotonicNow());
    const primed = await cache.getMany(ODOO_KINDS.order, [1], async () => {
      throw new Error('must not be called');
    });
    expect(primed).toEqual([{ id: 1 }]);
    expect(cache.stats().loads.odoo).toMatchObject({ active: 1, queued: 0 });
    release();
    expect(await busy).toEqual([{ id: 9 }]);
    cache.close();
  });

  it('keeps records that are still fresh, and does nothing without a cache', async () => {
    const cache = createRecordCache({ tenant: 't' });
    await cache.getMany(ODOO_KINDS.order, [1], async () => new Map([[1, { id: 1, v: 'first' }]]));
    primeRecords(cache, ODOO_KINDS.order, new Map([[1, { id: 1, v: 'second' }]]), monotonicNow());
    expect(await cache.getMany(ODOO_KINDS.order, [1], async () => new Map())).toEqual([{ id: 1, v: 'first' }]);
    cache.close();
    expect(() => primeRecords(createPassThroughCache(), ODOO_KINDS.order, new Map([[1, { id: 1 }]]), monotonicNow())).not.toThrow();
  });

  it('leaves out records invalidated after their data was read: a write between read and prime wins', async () => {
    const cache = createRecordCache({ tenant: 't' });
    const readStartedAt = monotonicNow();
    // The list call is in flight when a write invalidates order 1 ...
    await invalidateRecords(cache, ODOO_KINDS.order, [1]);
    // ... then its pre-write copy of order 1 arrives with order 2.
    primeRecords(cache, ODOO_KINDS.order, new Map([[1, { id: 1, state: 'sale' }], [2, { id: 2, state: 'sale' }]]), readStartedAt);
    let asked: number[] = [];
    const found = await cache.getMany(ODOO_KINDS.order, [1, 2], async (missing) => {
      asked = missing as number[];
      return new Map([[1, { id: 1, state: 'cancel' }]]);
    });
    expect(asked).toEqual([1]);
    expect(found).toEqual([{ id: 1, state: 'cancel' }, { id: 2, state: 'sale' }]);
    // A read that starts after the write primes as usual.
    await invalidateRecords(cache, ODOO_KINDS.order, [1]);
    primeRecords(cache, ODOO_KINDS.order, new Map([[1, { id: 1, state: 'cancel', again: true }]]), monotonicNow());
    expect(await cache.getMany(ODOO_KINDS.order, [1], async () => new Map())).toEqual([{ id: 1, state: 'cancel', again: true }]);
    cache.close();
  });
});

describe('an error for one key', () => {
  const refused = () => new Error('rate limited');

  for (const [name, make] of [['record cache', () => createRecordCache({ tenant: 't' })], ['pass-through cache', () => createPassThroughCache()]] as const) {
    it(`rejects only that key's load (${name}), and is not cached`, async () => {
      const cache = make();
      const batches: number[][] = [];
      const loader = () =>
        createCachedLoader(cache, ODOO_KINDS.order, async (ids: number[]) => {
          batches.push(ids);
          return new Map<number, { id: number } | Error>(ids.map((id) => [id, id === 2 && batches.length === 1 ? refused() : { id }]));
        }, silent);
      const first = await loader().loadMany([1, 2, 3]);
      expect(first[0]).toEqual({ id: 1 });
      expect(first[1]).toBeInstanceOf(Error);
      expect(first[2]).toEqual({ id: 3 });
      // A later request asks the backend again for the failed key (and, without a cache, for all).
      expect(await loader().loadMany([1, 2, 3])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(batches[1]).toEqual(name === 'record cache' ? [2] : [1, 2, 3]);
      (cache as { close?: () => void }).close?.();
    });
  }

  it('rejects a whole getMany without errorsPerKey', async () => {
    const cache = createRecordCache({ tenant: 't' });
    await expect(cache.getMany(ODOO_KINDS.order, [1, 2], async () => new Map<number, { id: number } | Error>([[1, { id: 1 }], [2, refused()]]))).rejects.toThrow('rate limited');
    cache.close();
  });
});
