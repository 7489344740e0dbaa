/**
 * What the mutations of the subgraphs over Odoo (orders, invoices) add to the shared ones in
 * subgraphs/shared/mutations/subgraph-mutations.ts: the Odoo reference of a keyed write and the
 * audit of a refusal that happens before any write.
 */
import { createHash } from 'node:crypto';
import { idempotencyScope, type MutationRequest, type MutationRunner } from '../../mutations/run-mutation.js';

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
