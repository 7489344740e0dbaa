import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';

/**
 * Completes each result before Apollo serializes it: the stale records the subgraphs reported go
 * into `extensions.stale`, and the request's own completion (the removed fields' nulls and
 * errors, what the response cache needs of the data) runs, so that the answer is serialized once
 * and never parsed back. An Apollo plugin: `willSendResponse` is exactly that moment.
 */
export function completeResultPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (contextValue.stale.length > 0) result.extensions = { ...(result.extensions ?? {}), stale: contextValue.stale };
          contextValue.complete?.(result);
        },
      };
    },
  };
}
