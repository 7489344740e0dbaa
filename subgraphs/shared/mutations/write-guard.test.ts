import { TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { isOutcomeUnknown, OutcomeUnknownError } from './outcome.js';
import { runWrite } from './write-guard.js';

/** A timeout as the resilience wrapper reports it: UNAVAILABLE caused by cockatiel's TaskCancelledError. */
const timeout = () =>
  new BackendError({
    backend: 'odoo',
    code: 'UNAVAILABLE',
    message: 'odoo did not answer within 5000 ms',
    cause: new TaskCancelledError('Operation timed out'),
  });
const refused = () =>
  new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'odoo unreachable', cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });

/** An attempt stub that fails with the given errors, in order, then answers `value`. */
function stub<T>(value: T, ...failures: Error[]) {
  const fn = async () => {
    const failure = failures[fn.calls++];
    if (failure) throw failure;
    return value;
  };
  fn.calls = 0;
  return fn;
}

function recoverStub<T>(value: T | undefined) {
  const fn = async () => {
    fn.calls++;
    return value;
  };
  fn.calls = 0;
  return fn;
}

describe('runWrite', () => {
  it('returns the first answer and sends the write once', async () => {
    const attempt = stub('S00042');
    expect(await runWrite({ backend: 'odoo', attempt })).toBe('S00042');
    expect(attempt.calls).toBe(1);
  });

  it('never repeats a timed-out write without a key: UNAVAILABLE, outcome unknown, not repeated', async () => {
    const attempt = stub('S00042', timeout());
    const recover = recoverStub('S00042');
    const err = await runWrite({ backend: 'odoo', attempt, recover }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ name: 'BackendError', backend: 'odoo', code: 'UNAVAILABLE', retryable: false, outcomeUnknown: true });
    expect((err as Error).message).toBe('odoo did not confirm the write: its outcome is unknown and it was not repeated');
    expect(attempt.calls).toBe(1);
    expect(recover.calls).toBe(0);
  });

  it('rethrows certain failures as they are, with or without a key', async () => {
    const rejected = new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'product archived' });
    const attempt = stub('x', rejected);
    await expect(runWrite({ backend: 'odoo', idempotencyKey: 'k', attempt, recover: recoverStub(undefined) })).rejects.toBe(rejected);
    expect(attempt.calls).toBe(1);
    // A refused connection never reached the backend: a certain failure, reported as it is.
    const notSent = refused();
    const again = stub('x', notSent);
    await expect(runWrite({ backend: 'odoo', attempt: again })).rejects.toBe(notSent);
    expect(again.calls).toBe(1);
  });

  it('with a key, returns what recover() finds instead of repeating the write', async () => {
    const attempt = stub('S00042', timeout());
    const recover = recoverStub('S00042');
    expect(await runWrite({ backend: 'odoo', idempotencyKey: 'k', attempt, recover })).toBe('S00042');
    expect(attempt.calls).toBe(1);
    expect(recover.calls).toBe(1);
  });

  it('with a key, retries exactly once when recover() finds nothing', async () => {
    const attempt = stub('S00043', timeout());
    const recover = recoverStub<string>(undefined);
    expect(await runWrite({ backend: 'odoo', idempotencyKey: 'k', attempt, recover })).toBe('S00043');
    expect(attempt.calls).toBe(2);
    expect(recover.calls).toBe(1);

    const twice = stub('never', timeout(), timeout(), timeout());
    await expect(runWrite({ backend: 'odoo', idempotencyKey: 'k', attempt: twice, recover: recoverStub<string>(undefined) })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      outcomeUnknown: true,
    });
    expect(twice.calls).toBe(2);
  });

  it('does not retry when it cannot look the write up (no recover, or recover fails)', async () => {
    const attempt = stub('x', timeout());
    await expect(runWrite({ backend: 'servicedesk', idempotencyKey: 'k', attempt })).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(attempt.calls).toBe(1);

    const again = stub('x', timeout());
    const lookupDown = new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'down' });
    const err = await runWrite({ backend: 'odoo', idempotencyKey: 'k', attempt: again, recover: () => Promise.reject(lookupDown) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as Error).message).toContain('could not be looked up');
    expect((err as Error).cause).toBe(lookupDown);
    expect(again.calls).toBe(1);
  });

  it('uses the caller classification of unknown outcomes when given', async () => {
    const ambiguous = new BackendError({ backend: 'salesforce', code: 'INTERNAL', message: 'socket closed' });
    const attempt = stub('001', ambiguous);
    await expect(
      runWrite({ backend: 'salesforce', attempt, isOutcomeUnknown: (e) => e === ambiguous }),
    ).rejects.toMatchObject({ backend: 'salesforce', outcomeUnknown: true });
    expect(attempt.calls).toBe(1);
  });
});

describe('isOutcomeUnknown', () => {
  it('sees timeouts and dropped connections through the cause chain, not refusals or rejections', () => {
    expect(isOutcomeUnknown(timeout())).toBe(true);
    expect(isOutcomeUnknown(new OutcomeUnknownError({ backend: 'odoo' }))).toBe(true);
    expect(isOutcomeUnknown(new Error('x', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isOutcomeUnknown(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(true);
    expect(isOutcomeUnknown(refused())).toBe(false);
    expect(isOutcomeUnknown(new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'circuit open' }))).toBe(false);
    expect(isOutcomeUnknown(new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'no' }))).toBe(false);
    expect(isOutcomeUnknown(undefined)).toBe(false);
  });
});
