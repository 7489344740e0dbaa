import { ApolloGateway } from '@apollo/gateway';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { supergraphForApolloGateway } from './supergraph-for-gateway.js';

const supergraphPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schema', 'supergraph.graphql');

describe('supergraphForApolloGateway', () => {
  const original = readFileSync(supergraphPath, 'utf8');
  const copy = supergraphForApolloGateway(original);

  it('drops only the SECURITY purpose of the links', () => {
    expect(original).toMatch(/for: SECURITY/);
    expect(copy).not.toMatch(/for: SECURITY/);
    expect(copy).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1")');
    expect(copy).toContain('@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)');
    expect(copy).toContain('@requiresScopes(scopes: [["stock:cost"]])');
    expect(copy.length).toBe(original.length - (original.match(/, for: SECURITY/g) ?? []).length * ', for: SECURITY'.length);
    expect(supergraphForApolloGateway('schema @link(for: SECURITY, url: "https://specs.apollo.dev/policy/v0.1") { query: Q } type Q { a: Int }')).toBe(
      'schema @link(url: "https://specs.apollo.dev/policy/v0.1") { query: Q } type Q { a: Int }',
    );
  });

  it('is loaded by @apollo/gateway, where the original is refused', async () => {
    const refused = new ApolloGateway({ supergraphSdl: original, logger: silent });
    await expect(refused.load()).rejects.toThrow(/SECURITY/);
    const gateway = new ApolloGateway({ supergraphSdl: copy, logger: silent });
    const { schema } = await gateway.load();
    expect(schema.getQueryType()?.getFields().customer).toBeDefined();
    await gateway.stop();
  });
});

const noop = () => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop };
