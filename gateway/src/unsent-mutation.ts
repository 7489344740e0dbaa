import { Kind, parse } from 'graphql';
import type { GatewayContext } from './context.js';

/** A mutation fetch that never reached its subgraph: the subgraph cannot audit an attempt it never saw. */
export interface UnsentMutation {
  context: GatewayContext;
  /** Schema names of the fetch's root mutation fields (`placeOrder`). */
  fields: string[];
  variables: Record<string, unknown>;
}

/**
 * Network errors of a request that was never sent: no connection could be made. A reset or a
 * timeout is not among them: the subgraph may have received the mutation (and audited it).
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const MUTATION = /^\s*mutation\b/;

/** Whether a subgraph fetch's operation text is a mutation (the gateway's query planner writes the operation keyword first). */
export function isMutationText(query: string | undefined): boolean {
  return MUTATION.test(query ?? '');
}

/** The unsent mutation a failed fetch was, or undefined when it was not a mutation or may have been sent. */
export function unsentMutationOf(error: Error, context: GatewayContext, request: { query?: string; variables?: Record<string, unknown> } | undefined): UnsentMutation | undefined {
  if (!request?.query || !isMutationText(request.query) || !NOT_SENT.has((error as { code?: string }).code ?? '')) return undefined;
  return { context, fields: rootFieldsOf(request.query), variables: request.variables ?? {} };
}

/** Schema names of an operation's root fields (not their aliases); none when the text does not parse. */
function rootFieldsOf(query: string): string[] {
  try {
    const operation = parse(query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    return operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) : [];
  } catch {
    return [];
  }
}
