import { readFileSync } from 'node:fs';
import { mutationOwner, type OwnershipMatrix } from '../../../schema/ownership-check.js';
import { auditPrincipal, type AuditLog } from '../../../platform/audit/audit-log.js';
import { digestInput } from '../../../platform/json/canonical-json.js';
import type { DeniedMutations } from '../types.js';

/**
 * Audits the write attempts the gateway answered itself: refused before planning (missing
 * `:write` scope), or never answered by their subgraph. The gateway appends their records to the
 * same audit log, with the owner system from the ownership matrix and a digest of the variables
 * (never their values).
 */
export function deniedMutationAudit(log: AuditLog, matrixPath = new URL('../../../schema/ownership.json', import.meta.url)): (event: DeniedMutations) => Promise<void> {
  const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as OwnershipMatrix;
  return async ({ principal, requestId, fields, variables, code, idempotencyKeyHeader, answerLost }) => {
    const inputDigest = digestInput(variables);
    const idempotencyKey = auditableKey(idempotencyKeyHeader) ?? keyInVariables(variables);
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
        clientOutcome: code,
        ...(answerLost ? { backendOutcome: 'unknown', answerLost: true as const } : {}),
        backendRecordId: null,
        latencyMs: 0,
        correlationId: requestId,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
    }
  };
}

/** A key as the audit log may hold it: 1 to 200 printable ASCII characters (others are not keys). */
function auditableKey(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]{1,200}$/.test(value) ? value : undefined;
}

/** The `idempotencyKey` of an input object among the variables (placeOrder, openCase), if any. */
function keyInVariables(variables: Record<string, unknown>): string | undefined {
  for (const value of Object.values(variables)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const key = auditableKey((value as Record<string, unknown>).idempotencyKey);
      if (key !== undefined) return key;
    }
  }
  return undefined;
}
