import type { IncomingHttpHeaders } from 'node:http';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Principal } from '../../platform/authz/principal.js';
import type { RemovedField } from './auth/operation-filter.js';

export type { RemovedField } from './auth/operation-filter.js';

/** How the gateway authenticates callers and filters operations; see gateway/src/auth. */
export interface GatewayAuth {
  /** Verifies the caller; throws an error with `status: 401` (or code UNAUTHENTICATED) when it cannot. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
  /** Removes the fields the principal may not see, before planning. */
  filterOperation?(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string; principal: Principal }): {
    document: DocumentNode;
    removed: RemovedField[];
    /** False when nothing of the operation is left to run. */
    executable?: boolean;
  };
  /** Writes null at the removed fields of a result. */
  applyRemovedFields?(data: Record<string, unknown>, removed: RemovedField[]): Record<string, unknown> | null;
  /** The signed headers that carry the principal to the subgraphs (shared: copied onto each fetch, never changed). */
  principalHeaders(principal: Principal): Readonly<Record<string, string>>;
  /** A key naming what the principal may see: requests with equal keys see the same fields and rows. */
  visibilityKey(principal: Principal): string;
}

/** Root mutation fields the gateway answered for a principal without any subgraph seeing them: refused by the operation filter, or sent to a subgraph that could not be reached. */
export interface DeniedMutations {
  principal: Principal;
  requestId: string;
  /** Schema names of the refused root fields (`placeOrder`), not their aliases. */
  fields: string[];
  variables: Record<string, unknown>;
  /** What the client is told: refused by the filter (`FORBIDDEN`, `UNAUTHENTICATED`), or its subgraph unreachable (`BACKEND_UNAVAILABLE`). */
  code: 'FORBIDDEN' | 'UNAUTHENTICATED' | 'BACKEND_UNAVAILABLE';
  /** The request's `Idempotency-Key` header, when it has one. */
  idempotencyKeyHeader?: string;
  /** The mutation may have reached its subgraph, whose answer never came: what the backend holds is unknown. */
  answerLost?: boolean;
}
