import { ApolloGateway } from '@apollo/gateway';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { supergraphForApolloGateway } from '../auth/supergraph-for-gateway.js';

/** The committed supergraph SDL (with its auth directives). */
export const SUPERGRAPH_SDL = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schema', 'supergraph.graphql'), 'utf8');

const noop = () => undefined;

/** The API schema the gateway serves for the committed supergraph (for tests). */
export async function loadApiSchema(): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: supergraphForApolloGateway(SUPERGRAPH_SDL), logger: { debug: noop, info: noop, warn: noop, error: noop } });
  const { schema } = await gateway.load();
  await gateway.stop();
  return schema;
}
