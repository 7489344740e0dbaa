import { Kind, parse } from 'graphql';
import type { GatewayContext } from './context.js';

/**
 * A mutation fetch its subgraph never answered: it could not be sent (connection refused), or it
 * may have been received and the answer never came (a reset, the subgraph killed, a timeout).
 * The client is told `BACKEND_UNAVAILABLE` by the gateway, so the gateway audits what it was told.
 */
export interface UnansweredMutation {
  context: GatewayContext;
  /** Schema names of the fetch's root mutation fields (`placeOrder`). */
  fields: string[];
  variables: Record<string, unknown>;
  /**
   * False when no connection could be made: the subgraph never saw the attempt. True when it may
   * have: the write may have landed, and the subgraph may have audited the attempt before it stopped.
   */
  maybeReceived: boolean;
}

/** Network errors of a request that was never sent: no connection could be made. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const MUTATION = /^\s*mutation\b/;

/** Whether a subgraph fetch's operation text is a mutation (the gateway's query planner writes the operation keyword first). */
export function isMutationText(query: string | undefined): boolean {
  return MUTATION.test(query ?? '');
}

/** The unanswered mutation a failed fetch (no answer at all, not an HTTP error) was, or undefined when it was not a mutation. */
export function unansweredMutationOf(error: Error, context: GatewayContext, request: { query?: string; variables?: Record<string, unknown> } | undefined): UnansweredMutation | undefined {
  if (!request?.query || !isMutationText(request.query)) return undefined;
  const maybeReceived = !NOT_SENT.has((error as { code?: string }).code ?? '');
  return { context, fields: rootFieldsOf(request.query), variables: request.variables ?? {}, maybeReceived };
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
