/**
 * The `object` and `operation` labels of one Salesforce HTTP call, read from the request itself
 * (the connector counts at jsforce's transport, so that session refreshes and their repeats are
 * counted too). Named like the sandbox's statistics: `Contact.query`, `Account.composite_retrieve`,
 * `Account.update`, `oauth.token`. Ids and values never become labels.
 */
export function salesforceCallLabel(
  method: string,
  url: string,
  body?: unknown,
  cursorObject?: (path: string) => string | undefined,
): { object: string; operation: string } {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://salesforce.invalid');
  } catch {
    return { object: 'unknown', operation: method.toLowerCase() };
  }
  const verb = method.toUpperCase();
  const path = parsed.pathname;
  const oauth = /^\/services\/oauth2\/([a-z]+)$/.exec(path);
  if (oauth) return { object: 'oauth', operation: oauth[1]! };
  if (path.startsWith('/id/')) return { object: 'identity', operation: 'get' };
  const rest = /^\/services\/data\/v\d+\.\d(\/.*)?$/.exec(path);
  if (!rest) return { object: 'unknown', operation: verb.toLowerCase() };
  const parts = (rest[1] ?? '').split('/').filter(Boolean);
  const [head, second, third, fourth] = parts;
  if (head === 'query' || head === 'queryAll') {
    if (second) return { object: cursorObject?.(path) ?? 'query', operation: 'queryMore' };
    const from = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(parsed.searchParams.get('q') ?? '');
    return { object: from?.[1] ?? 'query', operation: head };
  }
  if (head === 'composite' && second === 'sobjects') {
    if (third && verb === 'POST') return { object: third, operation: typeof body === 'string' && body.includes('"ids"') ? 'composite_retrieve' : 'composite_create' };
    if (third && verb === 'PATCH') return { object: third, operation: 'composite_upsert' };
    const onCollection: Record<string, string> = { POST: 'composite_create', PATCH: 'composite_update', DELETE: 'composite_delete' };
    return { object: 'composite', operation: onCollection[verb] ?? verb.toLowerCase() };
  }
  if (head === 'sobjects' && second) {
    if (!third) return { object: second, operation: verb === 'POST' ? 'create' : 'info' };
    if (third === 'describe') return { object: second, operation: 'describe' };
    if (fourth) return { object: second, operation: verb === 'PATCH' ? 'upsert' : verb === 'GET' ? 'retrieve' : verb.toLowerCase() };
    const onRecord: Record<string, string> = { GET: 'retrieve', PATCH: 'update', DELETE: 'delete' };
    return { object: second, operation: onRecord[verb] ?? verb.toLowerCase() };
  }
  if (head === 'limits') return { object: 'limits', operation: 'get' };
  return { object: head ?? 'rest', operation: verb.toLowerCase() };
}
