import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { newWriteRun, writeOutcomeUnknown } from './write-run.js';

describe('writeOutcomeUnknown', () => {
  const timeout = () => new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'no answer', cause: Object.assign(new Error('t'), { isTaskCancelledError: true }) });
  it('is certain before the write, unknown for a write that timed out, and always unknown once the write is in place unless undone', () => {
    const run = newWriteRun();
    const unknown = writeOutcomeUnknown(run);
    expect(unknown(timeout())).toBe(false);
    run.sent = true;
    expect(unknown(timeout())).toBe(true);
    expect(unknown(new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'UserError' }))).toBe(false);
    run.applied = true;
    expect(unknown(new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'HTTP 503' }))).toBe(true);
    expect(unknown(new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'UserError' }))).toBe(true);
    run.undone = true;
    expect(unknown(new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'UserError' }))).toBe(false);
  });
});
