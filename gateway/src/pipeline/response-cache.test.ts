import { describe, expect, it } from 'vitest';
import { OperationTypeNode } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { createResponseCache } from '../plugins/response-cache.js';
import type { OperationEntry } from './operation-entry.js';
import { responseCacheStage } from './response-cache.js';
import { jsonAnswer, type Answer, type Exchange } from './stage.js';

// One analysis of one text for one class: the analyze stage hands every such request the same id.
const operation = (ttlMs: number, staleMs = 0): OperationEntry => ({ id: 'a1', query: '{ order(id: "1") { id } }', removed: [], executable: true, document: { kind: 'Document', definitions: [] } as never, operation: OperationTypeNode.QUERY, ttlMs, staleMs, deniedMutations: [], definition: {} as never, runs: {} as never, clientDocument: {} as never, pageArguments: [] });
const exchange = (op: OperationEntry, headers: Record<string, string> = { 'content-type': 'application/json' }): Exchange => ({
  req: { headers } as unknown as IncomingMessage,
  requestId: 'r',
  principal: { sub: 'u', roles: [], scopes: new Set(['orders:read']) },
  params: { query: op.query, variables: {} },
  operation: op,
});

/** A stand-in for execute: answers a numbered body, storable for ttlMs. */
function executor(ttlMs: number, staleMs = 0) {
  let runs = 0;
  const seen: Exchange[] = [];
  const next = async (ex?: Exchange): Promise<Answer> => {
    seen.push(ex!);
    runs++;
    const answer = jsonAnswer(200, { data: { run: runs } });
    return ex?.storable && 'body' in answer ? { ...answer, toStore: { body: answer.body, headers: answer.headers, tags: ['Order:1'], ttlMs, staleMs } } : answer;
  };
  return { next, seen, runs: () => runs };
}
/** Runs the stage for an exchange, its `next` defaulting to that exchange as the pipeline's does. */
const handle = (stage: ReturnType<typeof responseCacheStage>, ex: Exchange, run: ReturnType<typeof executor>) => stage.handle(ex, (next = ex) => run.next(next));
const body = (answer: Answer) => ('body' in answer ? JSON.parse(answer.body) : undefined);

describe('response-cache stage', () => {
  it('answers a miss through the pipeline once, then hits without it', async () => {
    const cache = createResponseCache();
    const stage = responseCacheStage({ cache });
    const run = executor(10_000);
    const first = await handle(stage, exchange(operation(10_000)), run);
    expect([first.headers['x-cache'], body(first)]).toEqual(['miss', { data: { run: 1 } }]);
    const second = await handle(stage, exchange(operation(10_000)), run);
    expect([second.headers['x-cache'], body(second)]).toEqual(['hit', { data: { run: 1 } }]);
    expect(run.runs()).toBe(1);
  });

  it('keys on the analysis of the client\'s text: two texts that filter to one query carry different FORBIDDEN errors', async () => {
    const stage = responseCacheStage({ cache: createResponseCache() });
    const run = executor(10_000);
    // The analyze stage gives each client text its own analysis, whatever it filters to (analyze.test.ts).
    const op = operation(10_000);
    await handle(stage, { ...exchange({ ...op, id: 'a1' }), params: { query: '{ order(id: "1") { id secretA } }', variables: {} } }, run);
    const other = await handle(stage, { ...exchange({ ...op, id: 'a2' }), params: { query: '{ order(id: "1") { id secretB } }', variables: {} } }, run);
    expect(run.runs()).toBe(2);
    expect(other.headers['x-cache']).toBe('miss');
  });

  it('merges identical concurrent misses into one execution', async () => {
    const stage = responseCacheStage({ cache: createResponseCache() });
    const run = executor(10_000);
    const answers = await Promise.all(Array.from({ length: 5 }, () => handle(stage, exchange(operation(10_000)), run)));
    expect(run.runs()).toBe(1);
    expect(answers.map(body)).toEqual(Array.from({ length: 5 }, () => ({ data: { run: 1 } })));
  });

  it('serves a stale hit flagged and refreshes it once, fresh, in the background', async () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    const stage = responseCacheStage({ cache });
    const run = executor(1_000, 10_000);
    await handle(stage, exchange(operation(1_000, 10_000)), run);
    now = 2_000;
    const stale = await Promise.all([1, 2, 3].map(() => handle(stage, exchange(operation(1_000, 10_000)), run)));
    for (const answer of stale) {
      expect(answer.headers['x-cache']).toBe('stale');
      expect(body(answer)).toEqual({ data: { run: 1 }, extensions: { stale: [{ response: true, ageMs: 2_000, reason: 'revalidating' }] } });
    }
    await expect.poll(() => run.runs()).toBe(2);
    expect(run.seen.at(-1)).toMatchObject({ requireFresh: true, storable: true });
    await new Promise((r) => setImmediate(r));
    const fresh = await handle(stage, exchange(operation(1_000, 10_000)), run);
    expect([fresh.headers['x-cache'], body(fresh)]).toEqual(['hit', { data: { run: 2 } }]);
  });

  it('leaves uncacheable requests to the pipeline: mutations (TTL 0), simple content types, invalid variables', async () => {
    const stage = responseCacheStage({ cache: createResponseCache() });
    const run = executor(10_000);
    await handle(stage, exchange(operation(0)), run);
    await handle(stage, exchange(operation(10_000), { 'content-type': 'text/plain' }), run);
    await handle(stage, { ...exchange(operation(10_000)), params: { query: 'x', invalidVariables: true } }, run);
    expect(run.runs()).toBe(3);
    expect(run.seen.every((ex) => !ex.storable)).toBe(true);
  });
});
