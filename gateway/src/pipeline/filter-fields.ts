import type { HTTPGraphQLRequest } from '@apollo/server';
import { forbiddenErrors } from '../auth/operation-filter.js';
import type { DeniedMutations, GatewayAuth } from '../types.js';
import type { OperationEntry } from './operation-entry.js';
import { replaceQuery } from './read-request.js';
import { answered, type Answer, type Next, type Stage } from './stage.js';

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
    handle(exchange, next) {
      const { operation, principal, request } = exchange;
      if (!operation || !principal || !request) return next();
      if (operation.deniedMutations.length === 0 || !options.onDeniedMutations) return runFiltered(operation, request, options, next);
      const variables = exchange.params?.variables ?? {};
      const code = operation.removed.find((r) => r.path.length === 1)?.code ?? 'FORBIDDEN';
      const header = exchange.req.headers['idempotency-key'];
      return options
        .onDeniedMutations({
          principal,
          requestId: exchange.requestId,
          fields: operation.deniedMutations,
          variables,
          code,
          ...(typeof header === 'string' ? { idempotencyKeyHeader: header } : {}),
        })
        .then(() => runFiltered(operation, request, options, next));
    },
  };
}

/** Answers an operation with nothing left to run, or runs the rest of the pipeline with the filtered query. */
function runFiltered(operation: OperationEntry, request: HTTPGraphQLRequest, options: FilterFieldsOptions, next: Next): Promise<Answer> {
  if (!operation.executable) {
    const empty: Record<string, unknown> = {};
    const data = options.auth.applyRemovedFields ? options.auth.applyRemovedFields(empty, operation.removed) : empty;
    return answered(200, { errors: forbiddenErrors(operation.removed), data });
  }
  if (operation.removed.length > 0) replaceQuery(request, operation.query);
  return next();
}
