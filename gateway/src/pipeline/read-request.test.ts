import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequestStage } from './read-request.js';
import { serveStages, type StageTestServer } from './stage-test-server.js';

let server: StageTestServer;
beforeAll(async () => {
  server = await serveStages([readRequestStage()]);
});
afterAll(() => server.close());

const post = (body: string, contentType = 'application/json') => fetch(server.url, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('read-request stage', () => {
  it('reads a JSON POST into the request and its parameters', async () => {
    const res = await post(JSON.stringify({ query: '{ a }', operationName: 'A', variables: { x: 1 } }));
    expect(res.status).toBe(200);
    const seen = server.seen.at(-1)!;
    expect(seen.params).toEqual({ query: '{ a }', operationName: 'A', variables: { x: 1 } });
    expect(seen.request?.body).toEqual({ query: '{ a }', operationName: 'A', variables: { x: 1 } });
  });

  it('refuses an empty operationName as a client mistake', async () => {
    const res = await post(JSON.stringify({ query: '{ a }', operationName: '' }));
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('reads a GET from its query string', async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ a }')}&variables=${encodeURIComponent('{"x":2}')}`);
    expect(res.status).toBe(200);
    expect(server.seen.at(-1)!.params).toEqual({ query: '{ a }', operationName: undefined, variables: { x: 2 } });
  });

  it('answers 415 for a POST that is not JSON, before reading it', async () => {
    expect((await post('{"query":"{ a }"}', 'application/graphql-response+json')).status).toBe(200);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/graphql', 'application/xml']) {
      const res = await post('{ a }', type);
      expect(res.status).toBe(415);
      expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('answers 413 to a body over the limit, after reading it so that the client hears it', async () => {
    const res = await post(JSON.stringify({ query: '{ a }', pad: 'x'.repeat(3 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0]).toEqual({ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } });
  });

  it('refuses variables nested too deep or holding a lone surrogate as BAD_USER_INPUT', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    for (const body of [JSON.stringify({ query: '{ a }', variables: { v: deep } }), '{"query":"{ a }","variables":{"s":"\\udc00"}}']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('marks variables that are not an object, for Apollo to refuse and no cache to serve', async () => {
    await post(JSON.stringify({ query: '{ a }', variables: 'x' }));
    expect(server.seen.at(-1)!.params?.invalidVariables).toBe(true);
  });
});
