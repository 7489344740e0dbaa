import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadApiSchema, SUPERGRAPH_SDL } from '../plugins/test-api-schema.js';
import { costModelOf } from '../demand/cost-model.js';
import { estimateCost, type CostEstimate } from '../demand/estimate.js';
import { EstimateMemo } from './demand-control.js';
import type { OperationEntry } from './operation-entry.js';

let schema: GraphQLSchema;
const model = costModelOf(SUPERGRAPH_SDL);
beforeAll(async () => {
  schema = await loadApiSchema();
});

const QUERY = 'query($id: ID!, $n: Int = 7) { customer(id: $id) { cases(first: $n) { edges { node { comments { body } } } } } }';

let entries = 0;

function entryOf(query: string): OperationEntry {
  const document = parse(query);
  const definition = getOperationAST(document)!;
  return { id: `a${++entries}`, query, removed: [], executable: true, document, definition, runs: definition, clientDocument: document, ttlMs: 0, staleMs: 0, deniedMutations: [], pageArguments: [] };
}

/** The memo over one operation, counting the estimates it had to work out. */
function memoOver(query: string) {
  const memo = new EstimateMemo();
  const entry = entryOf(query);
  let walks = 0;
  const get = (variables: Record<string, unknown>, restricted = false): CostEstimate =>
    memo.get(schema, entry, restricted, variables, () => {
      walks++;
      return estimateCost(schema, model, entry.clientDocument, entry.definition, variables, restricted ? { ownershipSystem: 'salesforce' } : {});
    });
  return { get, walks: () => walks };
}

describe('the estimate memo of demand control', () => {
  it('walks an operation once for every value of the variables the estimate does not read', () => {
    const memo = memoOver(QUERY);
    const first = memo.get({ id: '1', n: 5 });
    for (let id = 2; id <= 200; id++) expect(memo.get({ id: String(id), n: 5 })).toBe(first);
    expect(memo.walks()).toBe(1);
    expect(first.bySystem.servicedesk).toBe(3 + 5);
  });

  it('works out another estimate for another list size, an absent size or another principal class', () => {
    const memo = memoOver(QUERY);
    expect(memo.get({ id: '1', n: 5 }).bySystem.servicedesk).toBe(3 + 5);
    expect(memo.get({ id: '1', n: 30 }).bySystem.servicedesk).toBe(3 + 30);
    // Absent takes the variable's default (7); null takes the field's own (20).
    expect(memo.get({ id: '1' }).bySystem.servicedesk).toBe(3 + 7);
    expect(memo.get({ id: '1', n: null }).bySystem.servicedesk).toBe(3 + 20);
    const partner = memo.get({ id: '1', n: 5 }, true);
    expect(partner.total).toBeGreaterThan(memo.get({ id: '1', n: 5 }).total);
    expect(memo.walks()).toBe(5);
    // Each of them is known now.
    memo.get({ id: '9', n: 30 });
    memo.get({ id: '9' });
    memo.get({ id: '9', n: null });
    memo.get({ id: '9', n: 5 }, true);
    expect(memo.walks()).toBe(5);
  });
});
