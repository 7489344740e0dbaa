import type { RunningSandbox } from '../common/server.js';
import { ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from './credentials.js';

/** The basic auth header of the sandbox's API user. */
export const BASIC_AUTH = `Basic ${Buffer.from(`${ZENDESK_SANDBOX_EMAIL}/token:${ZENDESK_SANDBOX_TOKEN}`).toString('base64')}`;

/** Calls the sandbox API with the development credentials; `path` is below /api/v2. */
export async function zdFetch(
  sandbox: RunningSandbox,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const url = path.startsWith('http') ? path : `${sandbox.url}/api/v2${path}`;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: BASIC_AUTH, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text answers (503) stay text
  }
  return { status: res.status, headers: res.headers, body };
}
