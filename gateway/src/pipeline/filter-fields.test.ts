import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesForRoles } from '../../../platform/authz/roles.js';
import { createGatewayAuth } from '../auth/gateway-auth.js';
import type { JwtVerifier } from '../auth/jwt.js';
import { loadApiSchema, SUPERGRAPH_SDL } from '../plugins/test-api-schema.js';
import type { DeniedMutations } from '../types.js';
import { analyzeStage } from './analyze.js';
import { authenticateStage } from './authenticate.js';
import { filterFieldsStage } from './filter-fields.js';
import { readRequestStage } from './read-request.js';
import { serveStages, type StageTestServer } from './stage-test-server.js';

const verifier = { async verify(token: string) { return { sub: token, roles: [token], scopes: scopesForRoles([token]) }; } } as JwtVerifier;
const auth = createGatewayAuth(verifier, SUPERGRAPH_SDL, 'a-principal-secret-of-at-least-32-bytes!');
const denied: DeniedMutations[] = [];
let server: StageTestServer;
beforeAll(async () => {
  const schema = await loadApiSchema();
  server = await serveStages([
    authenticateStage(auth),
    readRequestStage(),
    analyzeStage({ schema: () => schema, auth }),
    filterFieldsStage({ auth, onDeniedMutations: async (event) => void denied.push(event) }),
  ]);
});
afterAll(() => server.close());

const send = (role: string, query: string, variables: Record<string, unknown> = {}) =>
  fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${role}`, 'content-type': 'application/json', 'x-request-id': 'req-7' }, body: JSON.stringify({ query, variables }) });

describe('filter-fields stage', () => {
  it('runs the filtered query in place of the client\'s', async () => {
    await send('support_agent', '{ customer(id: "1") { name annualRevenue { amount } } }');
    const body = server.seen.at(-1)!.request!.body as { query: string };
    expect(body.query).toMatch(/name/);
    expect(body.query).not.toMatch(/annualRevenue/);
  });

  it('answers an operation with nothing left here: nulls and FORBIDDEN errors, no planning', async () => {
    const before = server.seen.length;
    const res = await send('support_agent', '{ customer(id: "1") { annualRevenue { amount } } }');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringMatching(/Customer.annualRevenue/), path: ['customer', 'annualRevenue'], extensions: { code: 'FORBIDDEN' } }],
      data: { customer: null },
    });
    expect(server.seen.length).toBe(before);
  });

  it('audits refused write attempts with the request id, before answering', async () => {
    await send('support_agent', 'mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true) { onHold } }', { id: '001' });
    expect(denied.at(-1)).toMatchObject({ requestId: 'req-7', fields: ['setCreditHold'], code: 'FORBIDDEN', variables: { id: '001' } });
  });
});
