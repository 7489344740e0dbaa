/**
 * What the mutations of the subgraphs over Odoo (orders, invoices) share: the default mutation
 * runner, the idempotency key of a request, and auditing a refusal that happens before any write.
 */
import { createHash } from 'node:crypto';
import { createAuditLog } from '../../mutations/audit-log.js';
import { createIdempotencyStore, validateIdempotencyKey } from '../../mutations/idempotency.js';
import { isOutcomeUnknown } from '../../mutations/outcome.js';
import { createMutationRunner, idempotencyScope, type MutationRequest, type MutationRunner } from '../../mutations/run-mutation.js';
import { badInput } from '../../errors-graphql.js';

/** The mutation settings a subgraph takes: one runner, possibly shared by every subgraph (and Redis). */
export interface SubgraphMutations {
  runner: MutationRunner;
}

/** A runner a subgraph created for itself, with what it must close at shutdown. */
export interface OwnedMutations extends SubgraphMutations {
  close(): Promise<void>;
}

/**
 * The default runner of one subgraph: an in-process idempotency store under `keyPrefix` and the
 * audit log at `AUDIT_LOG_PATH` (default `var/audit.jsonl`).
 */
export function createDefaultMutations(keyPrefix: string): OwnedMutations {
  const store = createIdempotencyStore({ keyPrefix });
  const log = createAuditLog({ path: process.env.AUDIT_LOG_PATH ?? 'var/audit.jsonl' });
  return {
    runner: createMutationRunner({ store, log }),
    async close() {
      await Promise.all([store.close(), log.close()]);
    },
  };
}

/**
 * Whether a failed write may have been applied: `isOutcomeUnknown`, plus cockatiel's timeout as
 * the resilience layer really throws it. Its TaskCancelledError keeps the name `Error` and is
 * marked only by `isTaskCancelledError`, which the name check of `isOutcomeUnknown` misses.
 */
export function isWriteOutcomeUnknown(err: unknown): boolean {
  if (isOutcomeUnknown(err)) return true;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { isTaskCancelledError?: unknown }).isTaskCancelledError === true) return true;
  }
  return false;
}

/** The `Idempotency-Key` header of a request (the gateway forwards the client's), or null. */
export function idempotencyKeyHeader(headers: Record<string, string | string[] | undefined>): string | null {
  const value = headers['idempotency-key'];
  return typeof value === 'string' ? value : null;
}

/**
 * The idempotency key of a mutation call: the argument, else the header. Both present and
 * different is BAD_USER_INPUT, as is a key that is not 1 to 200 printable ASCII characters.
 */
export function resolveIdempotencyKey(argument: unknown, header: string | null | undefined, field: string): string | undefined {
  const hasArgument = argument !== undefined && argument !== null;
  const hasHeader = header !== undefined && header !== null;
  if (!hasArgument && !hasHeader) return undefined;
  if (hasArgument && hasHeader && argument !== header) throw badInput(field, 'differs from the Idempotency-Key header');
  const key: unknown = hasArgument ? argument : header;
  const where = hasArgument ? field : 'Idempotency-Key';
  try {
    validateIdempotencyKey(key);
  } catch (err) {
    throw badInput(where, (err as Error).message.replace(/^idempotencyKey /, ''));
  }
  return key;
}

/**
 * The Odoo reference of a keyed write: a digest of (operation, principal scope, key), so that the
 * write can be found again after a timeout without storing the client's key itself in the ERP.
 */
export function odooIdempotencyRef(operation: string, principal: MutationRequest<unknown>['principal'], key: string): string {
  const digest = createHash('sha256').update(JSON.stringify([idempotencyScope(operation, principal), key])).digest('hex');
  return `c360-idem:${digest.slice(0, 40)}`;
}

/** What is audited about a call that is refused before any write (no key: nothing is reserved). */
export type RefusalAudit = Omit<MutationRequest<never>, 'attempt' | 'recover' | 'idempotencyKey' | 'isOutcomeUnknown' | 'backendRecordId'>;

/** Records a refused call (bad input, missing scope) in the audit log, then rethrows its error. */
export async function auditRefusal(runner: MutationRunner, request: RefusalAudit, error: unknown): Promise<never> {
  await runner.run<never>({ ...request, attempt: () => Promise.reject(error) });
  // run() always rejects here; this line only satisfies the type checker.
  throw error;
}
