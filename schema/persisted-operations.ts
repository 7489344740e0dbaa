/**
 * `npm run persisted-operations`: writes schema/persisted-operations.json, the trusted documents
 * partners may run, from the .graphql files in schema/operations/ (one named operation each), in
 * Apollo's persisted query manifest format so that the same file serves Apollo Router and Hive
 * Gateway. Every operation is validated against the committed supergraph first.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the manifest lives, relative to the repository root. */
export const MANIFEST_PATH = join(root, 'schema', 'persisted-operations.json');
const OPERATIONS_DIR = join(root, 'schema', 'operations');

/** One trusted document of the manifest. */
export interface PersistedOperation {
  /** SHA-256 (hex) of `body`: what a client sends as `extensions.persistedQuery.sha256Hash` or `documentId`. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/** Apollo's persisted query manifest. */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: PersistedOperation[];
}

/** Builds the manifest from schema/operations/, throwing on a file that is not one valid named operation. */
export function buildManifest(dir = OPERATIONS_DIR, supergraphPath = join(root, 'schema', 'supergraph.graphql')): PersistedQueryManifest {
  // The API schema clients see (the security directives' purposes stripped, as the gateway loads it).
  const schema = Supergraph.build(supergraphForApolloGateway(readFileSync(supergraphPath, 'utf8'))).apiSchema().toGraphQLJSSchema();
  const operations = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((file): PersistedOperation => {
      const document = parse(readFileSync(join(dir, file), 'utf8'));
      const definitions = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      if (definitions.length !== 1 || !definitions[0]!.name) throw new Error(`${file}: must hold exactly one named operation`);
      const errors = validate(schema, document);
      if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => e.message).join('; ')}`);
      const body = print(document);
      return { id: createHash('sha256').update(body).digest('hex'), name: definitions[0]!.name.value, type: definitions[0]!.operation, body };
    });
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** The manifest as written to disk. */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = buildManifest();
  writeFileSync(MANIFEST_PATH, manifestText(manifest));
  console.log(`schema/persisted-operations.json written (${manifest.operations.length} operations)`);
}
