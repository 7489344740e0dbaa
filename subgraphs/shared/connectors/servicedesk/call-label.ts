/**
 * The `resource` and `operation` labels of one Zendesk API call, named like the sandbox's
 * statistics (`tickets.show_many`, `organizations.tickets`, `tickets.comments`, `search.query`):
 * ids are dropped, so the labels stay a small fixed set.
 */
export function zendeskCallLabel(method: string, path: string): { resource: string; operation: string } {
  const parts = path.replace(/\.json$/, '').split('/').filter(Boolean);
  const resource = parts[0] ?? 'api';
  const rest = parts.slice(1);
  const verb = method.toUpperCase();
  const named = rest.filter((p) => !/^\d+$/.test(p));
  if (named.length > 0) return { resource, operation: named.join('_') };
  if (rest.length > 0) {
    // One record: /tickets/{id}.json
    const byVerb: Record<string, string> = { GET: 'show', PUT: 'update', PATCH: 'update', DELETE: 'delete' };
    return { resource, operation: byVerb[verb] ?? verb.toLowerCase() };
  }
  if (resource === 'search') return { resource, operation: 'query' };
  const onCollection: Record<string, string> = { GET: 'list', POST: 'create' };
  return { resource, operation: onCollection[verb] ?? verb.toLowerCase() };
}
