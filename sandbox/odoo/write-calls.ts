import type { SandboxRequest } from '../common/server.js';
import { parseMethodCall } from './xmlrpc.js';

/**
 * Which Odoo calls may change data, over every protocol (JSON-RPC `execute_kw`/`execute`,
 * `/web/dataset/call_kw`, JSON-2, XML-RPC): any object method but the read-only ones
 * (create, write, unlink, `action_*` and every other business method count as writes).
 */

const READ_METHODS = new Set([
  'search',
  'search_read',
  'search_count',
  'search_fetch',
  'read',
  'read_group',
  'name_search',
  'name_get',
  'fields_get',
  'default_get',
  'check_access_rights',
  'exists',
  'web_search_read',
  'web_read',
  'onchange',
]);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function objectMethod(req: SandboxRequest): string | undefined {
  const json2 = /^\/json\/2\/[^/]+\/([^/]+)\/?$/.exec(req.path);
  if (json2) return decodeURIComponent(json2[1]!);
  try {
    if (req.path === '/xmlrpc/2/object') {
      const call = parseMethodCall(req.body.toString('utf8'));
      return typeof call.params[4] === 'string' ? call.params[4] : undefined;
    }
    if (req.path !== '/jsonrpc' && !req.path.startsWith('/web/dataset/call_kw')) return undefined;
    const body: unknown = JSON.parse(req.body.toString('utf8'));
    const params = isObject(body) && isObject(body.params) ? body.params : undefined;
    if (!params) return undefined;
    if (req.path !== '/jsonrpc') return typeof params.method === 'string' ? params.method : undefined;
    if (params.service !== 'object' || !Array.isArray(params.args)) return undefined;
    return typeof params.args[4] === 'string' ? params.args[4] : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an Odoo request calls a model method that may change data. */
export function isOdooWrite(req: SandboxRequest): boolean {
  const method = objectMethod(req);
  return method !== undefined && !READ_METHODS.has(method);
}
