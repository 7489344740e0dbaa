/**
 * What the mutations of the subgraphs over Odoo (orders, invoices) add to the shared ones in
 * subgraphs/shared/mutations/subgraph-mutations.ts: the Odoo reference of a keyed write.
 */
import { createHash } from 'node:crypto';
import { idempotencyScope, type MutationRequest } from '../../mutations/run-mutation.js';

/**
 * The Odoo reference of a keyed write: a digest of (operation, principal scope, key), so that the
 * write can be found again after a timeout without storing the client's key itself in the ERP.
 */
export function odooIdempotencyRef(operation: string, principal: MutationRequest<unknown>['principal'], key: string): string {
  const digest = createHash('sha256').update(JSON.stringify([idempotencyScope(operation, principal), key])).digest('hex');
  return `c360-idem:${digest.slice(0, 40)}`;
}
