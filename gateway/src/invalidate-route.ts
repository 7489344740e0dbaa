import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../../platform/http/apollo-http.js';
import type { GatewayAuth } from './types.js';

/** An entity to evict: its type and id, as the public schema spells them (`Customer`, `001…`). */
export interface EntityRef {
  type: string;
  id: string;
}

/** Settings of `POST /invalidate`. */
export interface InvalidateRouteOptions {
  /** A shared secret other systems may send in `x-c360-invalidate-secret`; without it only admin tokens are accepted. */
  secret?: string;
  /** Evicts whatever else holds the entities (the record caches below the subgraphs). */
  onEntities?(entities: EntityRef[]): Promise<void>;
}

const MAX_ENTITIES = 100;

function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest()) && a.length === b.length;
}

/**
 * `POST /invalidate` with `{"entities": [{"type": "Customer", "id": "001…"}]}`: evicts the cached
 * responses and subgraph fetches holding each entity, and its records, on every replica. Only for
 * an admin's token or the shared secret: anything else is 401 (403 for a token without the admin
 * role) and evicts nothing.
 */
export function invalidateRoute(options: InvalidateRouteOptions & { auth: GatewayAuth; entityTypes: ReadonlySet<string>; evictTags(tags: string[]): number }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      return sendJson(res, 405, { error: 'POST only' });
    }
    const given = req.headers['x-c360-invalidate-secret'];
    const bySecret = typeof given === 'string' && options.secret !== undefined && same(given, options.secret);
    if (!bySecret) {
      if (!req.headers.authorization) {
        req.resume();
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      const principal = await options.auth.authenticate(req.headers).catch(() => undefined);
      if (!principal) {
        req.resume();
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      if (!principal.roles.includes('admin')) {
        req.resume();
        return sendJson(res, 403, { error: 'forbidden: invalidation takes the admin role' });
      }
    }
    let entities: EntityRef[];
    try {
      const body = JSON.parse(await readBody(req, 64 * 1024)) as { entities?: unknown };
      if (!Array.isArray(body.entities) || body.entities.length === 0 || body.entities.length > MAX_ENTITIES) throw new Error(`entities must be a list of 1 to ${MAX_ENTITIES}`);
      entities = body.entities.map((e: unknown) => {
        const { type, id } = (e ?? {}) as { type?: unknown; id?: unknown };
        if (typeof type !== 'string' || !options.entityTypes.has(type)) throw new Error(`unknown entity type ${JSON.stringify(type)}`);
        if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '' || String(id).length > 100) throw new Error('each entity needs an id');
        return { type, id: String(id) };
      });
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
    const evicted = options.evictTags(entities.map((e) => `${e.type}:${e.id}`));
    await options.onEntities?.(entities);
    sendJson(res, 200, { ok: true, entities: entities.length, evictedResponses: evicted });
  };
}
