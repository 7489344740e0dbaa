import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateStage } from './authenticate.js';
import { serveStages, type StageTestServer } from './stage-test-server.js';

let server: StageTestServer;
beforeAll(async () => {
  server = await serveStages([
    authenticateStage({
      async authenticate(headers) {
        if (headers.authorization !== 'Bearer good') throw new Error('The token is not valid');
        return { sub: 'u1', roles: ['admin'], scopes: new Set(['customer:read']) };
      },
    }),
  ]);
});
afterAll(() => server.close());

describe('authenticate stage', () => {
  it('sets the principal and passes the request on', async () => {
    const res = await fetch(server.url, { headers: { authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    expect(server.seen.at(-1)?.principal?.sub).toBe('u1');
  });

  it('answers 401 UNAUTHENTICATED with a Bearer challenge, and nothing after it runs', async () => {
    const before = server.seen.length;
    const res = await fetch(server.url, { method: 'POST', headers: { authorization: 'Bearer bad', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ errors: [{ message: 'The token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(server.seen.length).toBe(before);
  });
});
