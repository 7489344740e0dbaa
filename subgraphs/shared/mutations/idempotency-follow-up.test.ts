import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { digestInput } from '../../../platform/json/canonical-json.js';
import { counter, idempotencyTestStores, type StorePair } from './idempotency-test-stores.js';
import { OutcomeUnknownError } from './outcome.js';

/**
 * The store's background looks at writes of unknown outcome, in process and on two replicas over
 * one Redis (the look runs in the replica that made the attempt, the replay comes from the other).
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const timedOut = async (): Promise<string> => {
  throw new OutcomeUnknownError({ backend: 'odoo' });
};
const down = () => new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'down' });
const digest = digestInput({ customerId: '001', onHold: true });
let uniq = 0;
const newKey = () => `follow-up-${Date.now()}-${++uniq}`;

const stores = idempotencyTestStores('follow-up-test');
const pairs: [string, () => StorePair][] = [
  ['in process', () => stores.inProcess],
  ['two replicas on Redis', () => stores.replicas],
];

describe.each(pairs)('the idempotency store, %s', (_name, pairOf) => {
  it('looks a write of unknown outcome up in the background: the next call replays it with the backend down', async () => {
    const [a, b] = pairOf()();
    const key = newKey();
    let backendUp = false;
    let looks = 0;
    const recover = async () => {
      looks++;
      if (!backendUp) throw down();
      return 'S00099';
    };
    await expect(a.run({ scope: 's', key, inputDigest: digest, execute: timedOut, recover })).rejects.toMatchObject({ outcomeUnknown: true });
    // The first look (after 250 ms) finds the backend down; the next one (500 ms later) finds the write.
    await vi.waitFor(() => expect(looks).toBe(1), { timeout: 3000, interval: 10 });
    backendUp = true;
    await vi.waitFor(() => expect(looks).toBe(2), { timeout: 3000, interval: 10 });
    backendUp = false;
    await sleep(50);
    const execute = counter('never', 0);
    expect(await b.run({ scope: 's', key, inputDigest: digest, execute, recover })).toEqual({ value: 'S00099', replayed: true });
    expect(execute.calls).toBe(0);
    expect(looks).toBe(2);
  });

  it('looks nothing up when followUp is false or once a call has settled the key', async () => {
    const [a, b] = pairOf()();
    let looks = 0;
    const recover = async () => {
      looks++;
      return 'found';
    };
    await expect(a.run({ scope: 's', key: newKey(), inputDigest: digest, execute: timedOut, recover, followUp: false })).rejects.toMatchObject({ outcomeUnknown: true });
    await sleep(400);
    expect(looks).toBe(0);

    // The client's own retry settles the key before the first look: the store does not look again.
    const key = newKey();
    let clientLooks = 0;
    await expect(a.run({ scope: 's', key, inputDigest: digest, execute: timedOut, recover })).rejects.toMatchObject({ outcomeUnknown: true });
    const nothing = async () => {
      clientLooks++;
      return undefined;
    };
    expect(await b.run({ scope: 's', key, inputDigest: digest, execute: counter('sent again', 0), recover: nothing })).toEqual({ value: 'sent again', replayed: false });
    await sleep(1000);
    expect({ looks, clientLooks }).toEqual({ looks: 0, clientLooks: 1 });
  });
});
