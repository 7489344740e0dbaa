import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runOwnershipCheck } from './ownership-check.js';
import { LOCAL_SUBGRAPH_NAME, LOCAL_SUBGRAPH_SCHEMA_PATH, LOCAL_SUBGRAPH_URL } from '../gateway/src/local-subgraph/local-subgraph.js';

/** The five subgraphs and the URLs written into the supergraph (the `npm start` defaults). */
export const SUBGRAPHS = [
  { name: 'accounts', port: 4001 },
  { name: 'orders', port: 4002 },
  { name: 'stock', port: 4003 },
  { name: 'invoices', port: 4004 },
  { name: 'cases', port: 4005 },
] as const;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Composes the subgraph SDLs into the supergraph SDL, throwing with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    [
      ...SUBGRAPHS.map(({ name, port }) => ({
        name,
        url: `http://127.0.0.1:${port}/graphql`,
        typeDefs: parse(readFileSync(join(root, 'subgraphs', name, 'schema.graphql'), 'utf8')),
      })),
      // The gateway's own subgraph (Query.rateLimit), answered in the gateway process.
      { name: LOCAL_SUBGRAPH_NAME, url: LOCAL_SUBGRAPH_URL, typeDefs: parse(readFileSync(LOCAL_SUBGRAPH_SCHEMA_PATH, 'utf8')) },
    ],
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  // Composition only hints when two subgraphs declare one type's lifetime differently and keeps
  // one of them: a lifetime must be declared once (or alike), so that is an error here.
  const conflicts = result.hints.filter((hint) => hint.definition.code === 'INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS' && /@(cacheControl|staleWindow)\b/.test(hint.message));
  if (conflicts.length > 0) throw new Error(`composition failed:\n${conflicts.map((h) => `- ${h.message}`).join('\n')}`);
  return result.supergraphSdl;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // A mutation that writes a field its backend does not own must not reach the supergraph.
  const problems = runOwnershipCheck(root);
  if (problems.length > 0) {
    console.error(`ownership check failed:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exit(1);
  }
  const sdl = composeSupergraph();
  writeFileSync(join(root, 'schema', 'supergraph.graphql'), sdl);
  console.log(`schema/supergraph.graphql written (${sdl.length} bytes)`);
}
