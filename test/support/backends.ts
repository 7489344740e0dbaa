import jsforce from 'jsforce';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, ODOO_UID } from '../../sandbox/odoo/index.js';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../sandbox/salesforce/index.js';
import { ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';

/**
 * Reads the sandboxes through each backend's own protocol (Odoo JSON-RPC, Salesforce REST via
 * jsforce, Zendesk REST), independently of our connectors, so that tests compare our answers with
 * what the systems hold.
 */

let rpcId = 0;

/** Calls Odoo's `object.execute_kw` over JSON-RPC. */
export async function odooCall<T = any>(url: string, model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: ++rpcId, params: { service: 'object', method: 'execute_kw', args: [ODOO_DB, ODOO_UID, ODOO_PASSWORD, model, method, args, kwargs] } }),
  });
  const body = (await res.json()) as { result?: T; error?: { data?: { message?: string } } };
  if (body.error) throw new Error(`odoo ${model}.${method}: ${body.error.data?.message}`);
  return body.result as T;
}

/** Odoo's login, for tests that want the uid the protocol hands out. */
export const odooLogin = ODOO_LOGIN;

/** A jsforce connection to the Salesforce sandbox (client credentials). */
export async function salesforceConnection(url: string): Promise<jsforce.Connection> {
  const oauth2 = new jsforce.OAuth2({ loginUrl: url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET });
  const conn = new jsforce.Connection({ oauth2, version: '62.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

/** GETs a Zendesk API path (`/api/v2/...`) with API-token auth. */
export async function zendeskGet<T = any>(url: string, path: string): Promise<T> {
  const auth = Buffer.from(`${ZENDESK_SANDBOX_EMAIL}/token:${ZENDESK_SANDBOX_TOKEN}`).toString('base64');
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Basic ${auth}` } });
  if (!res.ok) throw new Error(`zendesk ${path}: ${res.status}`);
  return (await res.json()) as T;
}
