import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from '../errors/backend-error.js';
import { attemptRecords, audited, createAuditLog, readAuditLog, type AuditLog, type AuditRecord } from './audit-log.js';
import { digestInput } from '../json/canonical-json.js';
import { GraphQLError } from 'graphql';

let dir: string;
const logs: AuditLog[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-'));
});
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  await rm(dir, { recursive: true, force: true });
});
const openLog = (path: string) => {
  const log = createAuditLog({ path });
  logs.push(log);
  return log;
};

const record = (i: number): AuditRecord => ({
  time: new Date().toISOString(),
  principal: { sub: `user-${i}`, roles: ['sales_rep'] },
  operation: 'placeOrder',
  ownerSystem: 'odoo',
  targetIds: ['0015g00000AbCdEAAV'],
  inputDigest: digestInput({ i }),
  outcome: 'ok',
  backendRecordId: String(1000 + i),
  latencyMs: 12.5,
  correlationId: `corr-${i}`,
  idempotencyKey: `key-${i}`,
  replayed: false,
});

describe('audit log', () => {
  it('creates the directory and keeps old lines across a restart', async () => {
    const path = join(dir, 'nested', 'deeper', 'audit.jsonl');
    const first = openLog(path);
    await first.append(record(1));
    await first.append(record(2));
    await first.close();

    const second = openLog(path); // a restarted process on the same file
    await second.append(record(3));
    const lines = await readAuditLog(path);
    expect(lines.map((r) => r.backendRecordId)).toEqual(['1001', '1002', '1003']);
    expect(lines[0]).toEqual({ ...record(1), time: lines[0]!.time });
  });

  it('writes 200 concurrent appends as 200 whole, valid lines', async () => {
    const path = join(dir, 'audit.jsonl');
    const a = openLog(path);
    const b = openLog(path); // two writers on one file, as two instances would be
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(record(i))));
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(200);
    const parsed = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(new Set(parsed.map((r) => r.correlationId)).size).toBe(200);
  });

  it('defaults to AUDIT_LOG_PATH', () => {
    const previous = process.env.AUDIT_LOG_PATH;
    process.env.AUDIT_LOG_PATH = join(dir, 'from-env.jsonl');
    try {
      expect(createAuditLog().path).toBe(join(dir, 'from-env.jsonl'));
    } finally {
      if (previous === undefined) delete process.env.AUDIT_LOG_PATH;
      else process.env.AUDIT_LOG_PATH = previous;
    }
  });
});

describe('audited()', () => {
  const principal = { sub: 'rep-7', roles: ['sales_rep'] };
  const input = { id: '0015g00000AbCdEAAV', input: { name: 'Jane Example GmbH', phone: '+49 30 1234567' } };

  it('records a success with the digest of the input, never the input', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = openLog(path);
    const result = await audited(
      log,
      {
        principal,
        operation: 'updateCustomerProfile',
        ownerSystem: 'salesforce',
        targetIds: [input.id],
        inputDigest: digestInput(input),
        correlationId: 'req-1',
        idempotencyKey: 'k-1',
        describe: (r: { value: { id: string }; replayed: boolean }) => ({ backendRecordId: r.value.id, replayed: r.replayed }),
      },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { value: { id: input.id }, replayed: false };
      },
    );
    expect(result.value.id).toBe(input.id);
    const [line, ...rest] = await readAuditLog(path);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      principal,
      operation: 'updateCustomerProfile',
      ownerSystem: 'salesforce',
      targetIds: [input.id],
      inputDigest: digestInput(input),
      outcome: 'ok',
      backendRecordId: input.id,
      correlationId: 'req-1',
      idempotencyKey: 'k-1',
      replayed: false,
    });
    expect(line!.latencyMs).toBeGreaterThanOrEqual(15);
    expect(new Date(line!.time).toISOString()).toBe(line!.time);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('Jane');
    expect(text).not.toContain('1234567');
  });

  it('records failures with the client-facing code and rethrows the same error', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = openLog(path);
    const meta = { principal, operation: 'placeOrder', ownerSystem: 'odoo' as const, targetIds: ['001'], inputDigest: 'd' };
    const down = new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'odoo did not answer' });
    await expect(audited(log, meta, () => Promise.reject(down))).rejects.toBe(down);
    // Any coded GraphQL error (here the idempotency store's conflict) is recorded with its code.
    const conflict = new GraphQLError('This idempotency key was already used with a different input', { extensions: { code: 'IDEMPOTENCY_CONFLICT' } });
    await expect(audited(log, meta, () => Promise.reject(conflict))).rejects.toBe(conflict);
    await expect(audited(log, meta, () => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
    const lines = await readAuditLog(path);
    expect(lines.map((l) => l.outcome)).toEqual(['BACKEND_UNAVAILABLE', 'IDEMPOTENCY_CONFLICT', 'INTERNAL_SERVER_ERROR']);
    expect(lines.every((l) => l.backendRecordId === null && l.correlationId === null)).toBe(true);
  });
});

describe('attemptRecords()', () => {
  const record = (over: Partial<AuditRecord>): AuditRecord => ({
    time: '2026-12-03T10:00:00.000Z', principal: null, operation: 'setCreditHold', ownerSystem: 'odoo', targetIds: ['C1'], inputDigest: 'd',
    outcome: 'ok', clientOutcome: 'ok', backendRecordId: null, latencyMs: 1, correlationId: 'req-1', idempotencyKey: 'k', ...over,
  });
  const lost = (over: Partial<AuditRecord> = {}) => record({ targetIds: [], outcome: 'BACKEND_UNAVAILABLE', clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'unknown', answerLost: true, ...over });

  it("folds a lost answer into the subgraph's record of the same attempt: the client's outcome from the gateway, the backend's from the subgraph", () => {
    // The subgraph wrote "ok" and was killed before its answer left; or the gateway gave up first and the subgraph's "ok" came after.
    for (const records of [[record({}), lost()], [lost(), record({})]]) {
      expect(attemptRecords(records)).toEqual([{ ...record({}), outcome: 'BACKEND_UNAVAILABLE', clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'applied', answerLost: true }]);
    }
    const failed = attemptRecords([record({ outcome: 'CREDIT_HOLD', clientOutcome: 'CREDIT_HOLD' }), lost()]);
    expect(failed).toMatchObject([{ clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'not applied' }]);
    const unknown = attemptRecords([record({ outcome: 'BACKEND_UNAVAILABLE', clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'unknown' }), lost()]);
    expect(unknown).toMatchObject([{ clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'unknown' }]);
  });

  it('keeps a lost answer the subgraph never recorded, and leaves other attempts, operations and the reconciler alone', () => {
    expect(attemptRecords([lost()])).toEqual([lost()]);
    const others = [record({ correlationId: 'req-2' }), record({ operation: 'placeOrder' }), record({ actor: 'reconciler', backendOutcome: 'completed' }), record({ correlationId: null })];
    expect(attemptRecords([...others, lost()])).toEqual([...others, lost()]);
    // One lost answer folds into one subgraph record only.
    expect(attemptRecords([record({}), record({ latencyMs: 2 }), lost()])).toHaveLength(2);
    const plain = [record({}), record({ correlationId: 'req-2' })];
    expect(attemptRecords(plain)).toEqual(plain);
  });
});
