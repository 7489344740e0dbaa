import type { GraphQLFormattedError } from 'graphql';

/**
 * Apollo Server's `formatError` for the gateway: coded errors pass through without internals (no
 * stack), subgraph failures without a code become INTERNAL_SERVER_ERROR, and the subgraph an error
 * came from is named in `extensions.subgraph`.
 */
export function formatGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = { ...(formatted.extensions ?? {}) };
  delete extensions.stacktrace;
  if (extensions.code === 'DOWNSTREAM_SERVICE_ERROR' || !extensions.code) extensions.code = 'INTERNAL_SERVER_ERROR';
  if (extensions.serviceName && !extensions.subgraph) extensions.subgraph = extensions.serviceName;
  return { ...formatted, extensions };
}
