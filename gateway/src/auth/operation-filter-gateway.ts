import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { getOperationAST, print, type GraphQLSchema } from 'graphql';
import { readAuthDirectives, type AuthPolicyMap } from '../../../subgraphs/shared/authz/directives.js';
import type { Principal } from '../../../subgraphs/shared/authz/principal.js';
import type { PolicyEvaluator } from '../../../subgraphs/shared/authz/requirements.js';
import { applyRemovedFields, documentHash, filterOperation, removedFieldErrors, type RemovedField } from './operation-filter.js';

/** The gateway contract of Apollo Server (what `new ApolloServer({ gateway })` takes). */
export type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;
/** One request as the gateway executor sees it. */
export type GatewayRequestContext = Parameters<Executor>[0];

/** Options of {@link withOperationFilter}. */
export interface OperationFilterGatewayOptions {
  /** The verified principal of a request, read from its context value; null = unauthenticated. */
  principalOf(context: GatewayRequestContext['context']): Principal | null;
  /** Named `@policy` evaluators; default: `partner_owns_customer` passes, unknown policies deny. */
  policyEvaluators?: Readonly<Record<string, PolicyEvaluator>>;
  /** Observes each request's removed fields (metrics, logs). */
  onRemoved?(removed: readonly RemovedField[], requestContext: GatewayRequestContext): void;
}

/**
 * Wraps a gateway (an ApolloGateway) so that every operation is filtered by the auth directives
 * of the supergraph before it is planned: removed fields never reach a subgraph, are answered
 * null with a FORBIDDEN/UNAUTHENTICATED error at their path, and the rest of the query runs.
 */
export function withOperationFilter(gateway: GatewayInterface, options: OperationFilterGatewayOptions): GatewayInterface {
  let current: { apiSchema: GraphQLSchema; policies: AuthPolicyMap } | undefined;
  // Subscribed before load() so the first schema is seen; the directives are read from the supergraph the gateway runs.
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    current = { apiSchema, policies: readAuthDirectives(coreSupergraphSdl) };
  });

  const wrap = (executor: Executor): Executor => async (requestContext) => {
    // Fail closed: without the directives nothing is executed.
    if (!current) throw new Error('operation filter: the gateway has not loaded a supergraph');
    const { document, removed, executable } = filterOperation({
      schema: current.apiSchema,
      policies: current.policies,
      document: requestContext.document,
      operationName: requestContext.operationName,
      principal: options.principalOf(requestContext.context),
      ...(options.policyEvaluators ? { policyEvaluators: options.policyEvaluators } : {}),
    });
    if (removed.length === 0) return executor(requestContext);
    options.onRemoved?.(removed, requestContext);
    const errors = removedFieldErrors(removed);
    if (!executable) return { data: applyRemovedFields({}, removed), errors };

    const operation = getOperationAST(document, requestContext.operationName ?? undefined);
    // The gateway caches plans by queryHash: the filtered document must not share the original's plan.
    const filtered: GatewayRequestContext = Object.assign(Object.create(Object.getPrototypeOf(requestContext) as object) as GatewayRequestContext, requestContext, {
      document,
      operation: operation ?? requestContext.operation,
      queryHash: documentHash(document),
      source: print(document),
    });
    const result = await executor(filtered);
    return {
      ...result,
      data: result.data ? applyRemovedFields(result.data, removed) : result.data,
      errors: [...errors, ...(result.errors ?? [])],
    };
  };

  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    async load(loadOptions) {
      const result = await gateway.load(loadOptions);
      return { ...result, executor: result.executor ? wrap(result.executor) : null };
    },
    stop: () => gateway.stop(),
  };
}
