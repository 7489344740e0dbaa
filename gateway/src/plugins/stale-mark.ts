/**
 * A cached body with `report` added to its `extensions.stale`; undefined when the body is not a
 * JSON object (then it must not be served stale: staleness is always visible). A `bare` body (a
 * JSON object with members and no top-level `extensions`, as the gateway stored it) gets the
 * member appended without being parsed.
 */
export function markStale(body: string, report: Record<string, unknown>, bare = false): string | undefined {
  if (bare && body.startsWith('{')) {
    // Apollo ends its JSON with a newline: append before the closing brace, keep what follows it.
    const close = body.lastIndexOf('}');
    if (close > 1 && body.slice(close + 1).trim() === '') return `${body.slice(0, close)},"extensions":{"stale":[${JSON.stringify(report)}]}}${body.slice(close + 1)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const result = parsed as { extensions?: Record<string, unknown> };
  const extensions = result.extensions && typeof result.extensions === 'object' ? result.extensions : {};
  const stale = Array.isArray(extensions.stale) ? extensions.stale : [];
  result.extensions = { ...extensions, stale: [...stale, report] };
  return JSON.stringify(result);
}
