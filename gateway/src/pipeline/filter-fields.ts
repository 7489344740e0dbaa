import { forbiddenErrors } from '../auth/operation-filter.js';
import type { DeniedMutations, GatewayAuth } from '../types.js';
import { replaceQuery } from './read-request.js';
import { jsonAnswer, type Stage } from './stage.js';

/** Options of the filter-fields stage. */
export interface FilterFieldsOptions {
  auth: Pick<GatewayAuth, 'applyRemovedFields'>;
  /**
   * Called (and awaited) before answering when root mutation fields were refused, so that refused
   * write attempts are audited although no subgraph sees them.
   */
  onDeniedMutations?(event: DeniedMutations): Promise<void>;
}

/**
 * Puts the analyze stage's filtering into effect: refused write attempts are audited, an
 * operation with nothing left the principal may see is answered here (its nulls and errors,
 * without planning), and otherwise the filtered query replaces the client's.
 */
export function filterFieldsStage(options: FilterFieldsOptions): Stage {
  return {
    name: 'filter-fields',
    async handle(exchange, next) {
      const { operation, principal, request } = exchange;
      if (!operation || !principal || !request) return next();
      if (operation.deniedMutations.length > 0 && options.onDeniedMutations) {
        const variables = exchange.params?.variables ?? {};
        const code = operation.removed.find((r) => r.path.length === 1)?.code ?? 'FORBIDDEN';
        const header = exchange.req.headers['idempotency-key'];
        await options.onDeniedMutations({
          principal,
          requestId: exchange.requestId,
          fields: operation.deniedMutations,
          variables,
          code,
          ...(typeof header === 'string' ? { idempotencyKeyHeader: header } : {}),
        });
      }
      if (!operation.executable) {
        const empty: Record<string, unknown> = {};
        const data = options.auth.applyRemovedFields ? options.auth.applyRemovedFields(empty, operation.removed) : empty;
        return jsonAnswer(200, { errors: forbiddenErrors(operation.removed), data });
      }
      if (operation.removed.length > 0) replaceQuery(request, operation.query);
      return next();
    },
  };
}
