/**
 * Headers the gateway and the subgraphs exchange beside the signed principal.
 */

/**
 * The request header by which the gateway asks for records within their TTL (its refreshes of
 * cached responses: an answer holding a record served stale could not be stored). Value `1`.
 */
export const REQUIRE_FRESH_HEADER = 'x-c360-require-fresh';
