import type { GraphQLSchema } from 'graphql';
import type { CostBudgets } from '../demand/cost-budget.js';
import type { CostModel } from '../demand/cost-model.js';
import { estimateCost, type CostEstimate } from '../demand/estimate.js';
import type { OperationEntry } from './operation-entry.js';
import { answered, jsonAnswer, type Answer, type Stage } from './stage.js';

/** Options of the demand-control stage. */
export interface DemandControlOptions {
  schema(): GraphQLSchema | undefined;
  model: CostModel;
  budgets: CostBudgets;
  /** Whether every answer reports its cost (development); otherwise only those asking with `x-c360-cost: 1`. */
  alwaysReport?: boolean;
  /** The backend a partner's ownership checks call (default salesforce, where resellers are assigned). */
  ownershipSystem?: string;
}

/** The header by which a client asks for `extensions.cost` on its answer. */
export const COST_HEADER = 'x-c360-cost';

/**
 * Demand control, before any backend call: the operation as the client sent it (a client is
 * charged for what it asks, whatever of it the field filter removes) is estimated in backend
 * calls by system; above the principal's limit it is refused with
 * COST_ESTIMATED_TOO_EXPENSIVE, the estimate and the limit; otherwise the estimate is charged to
 * the client's cost budget (past it: 429 RATE_LIMITED). The answer carries `extensions.cost` when
 * the client asks.
 */
export function demandControlStage(options: DemandControlOptions): Stage {
  const ownership = options.ownershipSystem ?? 'salesforce';
  const estimates = new EstimateMemo();
  return {
    name: 'demand-control',
    handle(exchange, next) {
      const schema = options.schema();
      const { operation, principal } = exchange;
      if (!schema || !operation || !principal) return next();
      const restricted = !!principal.partnerId || principal.roles.includes('partner');
      const variables = exchange.params?.variables;
      const estimate = estimates.get(schema, operation, restricted, variables, () =>
        estimateCost(schema, options.model, operation.clientDocument, operation.definition, variables, restricted ? { ownershipSystem: ownership } : {}),
      );
      const { maxCost } = options.budgets.limitsOf(principal);
      if (estimate.total > maxCost) {
        return answered(400, {
          errors: [
            {
              message: `The operation is estimated to cost ${estimate.total} backend calls, above the ${maxCost} allowed`,
              extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: estimate.bySystem, estimatedCost: estimate.total, maxCost },
            },
          ],
        });
      }
      return options.budgets.charge(principal, estimate.total).then((budget) => {
        exchange.cost = { estimate, maxCost, budget };
        if (!budget.allowed) {
          const retryAfter = Math.max(1, Math.ceil((budget.resetAt.getTime() - Date.now()) / 1000));
          return jsonAnswer(
            429,
            { errors: [{ message: `The cost budget of ${budget.limit} a minute is spent; retry in ${retryAfter} s`, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, cost: estimate.bySystem } }] },
            { 'retry-after': String(retryAfter) },
          );
        }
        const asked = exchange.req.headers[COST_HEADER] === '1';
        if (!asked && !options.alwaysReport) return next();
        return next().then((answer) => {
          // What ran: the backend calls the subgraphs counted for this request (cache hits cost nothing).
          const actual = exchange.report?.backendCalls;
          return withCost(answer, { estimated: estimate.bySystem, estimatedTotal: estimate.total, ...(actual ? { actual: { ...actual } } : {}), maxCost, budgetRemaining: budget.remaining });
        });
      });
    },
  };
}

/** The answer with `extensions.cost` added (JSON bodies only: a stream is left as it is). */
function withCost(answer: Answer, cost: Record<string, unknown>): Answer {
  if (!('body' in answer)) return answer;
  try {
    const body = JSON.parse(answer.body) as { extensions?: Record<string, unknown> };
    body.extensions = { ...(body.extensions ?? {}), cost: { ...((body.extensions?.cost as object) ?? {}), ...cost } };
    return { ...answer, body: JSON.stringify(body), toStore: undefined };
  } catch {
    return answer;
  }
}

/** Estimates one operation keeps (the most recent ones), by principal class and the values of the variables they read. */
const ESTIMATES_PER_OPERATION = 64;

interface OperationEstimates {
  schema: GraphQLSchema;
  /** The variables every estimate of the operation reads (known after the first one). */
  reads?: readonly string[];
  estimates: Map<string, CostEstimate>;
}

/**
 * Estimates already worked out, by operation (the analyze stage's cached entry, so an estimate
 * lives as long as its operation), by principal class and by the values of the variables the
 * estimate reads (its slicing arguments): an estimate is pure in those and the schema, so a
 * repeated query, or the same query for another record (a cache hit above all), is not walked again.
 */
export class EstimateMemo {
  readonly #byOperation = new WeakMap<OperationEntry, OperationEstimates>();

  get(schema: GraphQLSchema, operation: OperationEntry, restricted: boolean, variables: Record<string, unknown> | null | undefined, estimate: () => CostEstimate): CostEstimate {
    let memo = this.#byOperation.get(operation);
    if (!memo || memo.schema !== schema) {
      memo = { schema, estimates: new Map() };
      this.#byOperation.set(operation, memo);
    }
    if (memo.reads) {
      const known = memo.estimates.get(keyOf(restricted, memo.reads, variables));
      if (known) return known;
    }
    const worked = estimate();
    memo.reads ??= worked.variablesRead;
    if (memo.estimates.size >= ESTIMATES_PER_OPERATION) memo.estimates.delete(memo.estimates.keys().next().value!);
    memo.estimates.set(keyOf(restricted, memo.reads, variables), worked);
    return worked;
  }
}

/** The memo key: the principal class and, per variable read, its value or that it is absent (which is not the same as null). */
function keyOf(restricted: boolean, reads: readonly string[], variables: Record<string, unknown> | null | undefined): string {
  let key = restricted ? 'r' : 'u';
  for (const name of reads) key += variables && name in variables ? `|${JSON.stringify(variables[name]) ?? 'undefined'}` : '|-';
  return key;
}
