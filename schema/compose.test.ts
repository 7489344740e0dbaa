import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from './compose.js';

describe('schema/supergraph.graphql', () => {
  it('is what `npm run compose` writes from the subgraph SDLs (run it when this fails)', () => {
    const committed = readFileSync(new URL('./supergraph.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(composeSupergraph());
  });

  it('carries the auth directives of the subgraphs', () => {
    const sdl = composeSupergraph();
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    expect(sdl).toMatch(/cost: Money[^\n]*@requiresScopes\(scopes: \[\["stock:cost"\]\]\)/);
  });
});
