import type { IncomingHttpHeaders } from 'node:http';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Principal } from '../../../platform/authz/principal.js';
import { readAuthDirectives } from '../../../platform/authz/directives.js';
import { createPrincipalSigner } from '../../../platform/authz/principal-header.js';
import { AuthenticationError, type JwtVerifier } from './jwt.js';
import { applyRemovedFields, filterOperation } from './operation-filter.js';
import type { GatewayAuth } from '../types.js';

/** Authentication and operation filtering of the gateway, from a verifier and the supergraph's directives. */
export function createGatewayAuth(verifier: JwtVerifier, supergraphSdl: string, principalSecret: string): GatewayAuth {
  const policies = readAuthDirectives(supergraphSdl);
  // Worked out once per principal: the verifier hands every request of a token the same one, and a request asks several times.
  const visibilityKeys = new WeakMap<Principal, string>();
  return {
    authenticate(headers: IncomingHttpHeaders) {
      const header = headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match) return Promise.reject(new AuthenticationError('A bearer token is required', 'MISSING_TOKEN'));
      return verifier.verify(match[1]!);
    },
    filterOperation: ({ schema, document, operationName, principal }: { schema: GraphQLSchema; document: DocumentNode; operationName?: string; principal: Principal }) =>
      filterOperation({ schema, policies, document, operationName, principal }),
    applyRemovedFields: (data, removed) => applyRemovedFields(data, removed),
    principalHeaders: createPrincipalSigner(principalSecret),
    visibilityKey: (principal) => {
      let key = visibilityKeys.get(principal);
      if (key === undefined) {
        key = `${[...principal.scopes].sort().join(' ')}|${principal.partnerId ?? ''}`;
        visibilityKeys.set(principal, key);
      }
      return key;
    },
  };
}

