import { readFileSync } from 'node:fs';
import { mutationOwner, type OwnershipMatrix } from '../../../schema/ownership-check.js';
import { auditPrincipal, type AuditLog } from '../../../platform/audit/audit-log.js';
import { digestInput } from '../../../platform/json/canonical-json.js';
import type { DeniedMutations } from '../types.js';

/**
 * Audits the write attempts the gateway refused before planning (missing `:write` scope): no
 * subgraph sees them, so the gateway appends their records to the same audit log, with the owner
 * system from the ownership matrix and a digest of the variables (never their values).
 */
export function deniedMutationAudit(log: AuditLog, matrixPath = new URL('../../../schema/ownership.json', import.meta.url)): (event: DeniedMutations) => Promise<void> {
  const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as OwnershipMatrix;
  return async ({ principal, requestId, fields, variables, code }) => {
    const inputDigest = digestInput(variables);
    for (const operation of fields) {
      const ownerSystem = mutationOwner(matrix, operation);
      // A mutation of a supergraph that is not ours has no owner here: nothing to attribute.
      if (!ownerSystem) continue;
      await log.append({
        time: new Date().toISOString(),
        principal: auditPrincipal(principal),
        operation,
        ownerSystem,
        targetIds: [],
        inputDigest,
        outcome: code,
        backendRecordId: null,
        latencyMs: 0,
        correlationId: requestId,
      });
    }
  };
}
