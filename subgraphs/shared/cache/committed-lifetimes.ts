import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cacheLifetimesOf, type CacheLifetimes } from '../../../platform/cache-lifetimes/index.js';

/** The committed supergraph, composed from every subgraph's SDL (a test fails when it is stale). */
const SUPERGRAPH_PATH = fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url));

let committed: CacheLifetimes | undefined;

/**
 * The lifetimes the committed supergraph declares. One record cache serves every subgraph over its
 * backend, so its kinds take their lifetimes from the composed schema rather than one subgraph's.
 */
export function committedLifetimes(): CacheLifetimes {
  committed ??= cacheLifetimesOf(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  return committed;
}
