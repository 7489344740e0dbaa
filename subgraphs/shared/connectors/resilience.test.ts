import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { createLogger } from '../../../platform/logging/index.js';
import { runInScope } from '../../../platform/observability/request-scope.js';
import { createResilience } from './resilience.js';

const silent = createLogger({ level: 'silent' });
const unavailable = () => new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'odoo answered 503', retryable: true });

/** A call that never answers on its own: it settles only when its signal aborts. */
const hanging = (seen: AbortSignal[]) => (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    seen.push(signal);
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

describe('resilience: the overall deadline of a read', () => {
  it('aborts the attempt in flight at the deadline and starts no retry after it', async () => {
    const resilience = createResilience({ backend: 'odoo', timeoutMs: 10_000, deadlineMs: 150, readRetries: 5 });
    const seen: AbortSignal[] = [];
    const started = Date.now();
    await expect(resilience.read(hanging(seen))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'odoo did not answer within 150 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.aborted).toBe(true);
  });

  it('bounds retries and their backoff together', async () => {
    const resilience = createResilience({ backend: 'odoo', timeoutMs: 10_000, deadlineMs: 200, readRetries: 50 });
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw unavailable();
    };
    const started = Date.now();
    await expect(resilience.read(failing)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(50);
  });

  it("aborts the attempt when the request it serves ends, and that does not count against the circuit", async () => {
    const resilience = createResilience({ backend: 'odoo', timeoutMs: 10_000, deadlineMs: 10_000, breakerThreshold: 1 });
    const ended = new AbortController();
    const seen: AbortSignal[] = [];
    const reading = runInScope({ requestId: 'r1', log: silent, backendCalls: {}, signal: ended.signal }, () => resilience.read(hanging(seen)));
    await new Promise((r) => setTimeout(r, 20));
    ended.abort();
    await expect(reading).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'odoo read abandoned: the request ended' });
    expect(seen[0]!.aborted).toBe(true);
    // With a threshold of one outage the circuit would be open now, had the abandoned read counted.
    await expect(resilience.read(async () => 'ok')).resolves.toBe('ok');
  });

  it('leaves writes alone: a write is never abandoned at the read deadline', async () => {
    const resilience = createResilience({ backend: 'odoo', timeoutMs: 10_000, deadlineMs: 50 });
    const written = resilience.write(() => new Promise<string>((resolve) => setTimeout(() => resolve('written'), 150)));
    await expect(written).resolves.toBe('written');
  });
});
