import { readFileSync } from 'node:fs';
import type { Principal } from '../../../platform/authz/principal.js';
import { answered, type Stage } from './stage.js';

/** Who may send operation text instead of a trusted document's id. */
export type TrustedDocumentsMode = 'partners' | 'all' | 'off';

/** One operation of an Apollo persisted query manifest. */
interface ManifestOperation {
  id: string;
  name: string;
  type: string;
  body: string;
}

/** Options of the trusted-documents stage. */
export interface TrustedDocumentsOptions {
  /** Path of the manifest (Apollo's persisted query manifest format). */
  manifestPath: string | URL;
  /** `partners` (default): partners may run only manifest operations; `all`: nobody may send text; `off`: ids are still resolved, text is free. */
  mode?: TrustedDocumentsMode;
}

/** Whether a principal is a partner (a reseller's integration). */
function isPartner(principal: Principal | undefined): boolean {
  return !!principal && (principal.partnerId !== undefined || principal.roles.includes('partner'));
}

/**
 * Trusted documents: a request may name a manifest operation by id
 * (`extensions.persistedQuery.sha256Hash`, or `documentId`) instead of sending its text; the
 * stage puts the manifest's text in its place, so that every later stage (limits, the field
 * filter, the caches) sees exactly what a client sending the text would. Principals the mode
 * restricts (partners by default) may run only manifest operations: free text, or an id the
 * manifest does not list, is refused with PERSISTED_QUERY_NOT_IN_LIST before anything is parsed.
 */
export function trustedDocumentsStage(options: TrustedDocumentsOptions): Stage {
  const manifest = JSON.parse(readFileSync(options.manifestPath, 'utf8')) as { format?: string; operations?: ManifestOperation[] };
  if (manifest.format !== 'apollo-persisted-query-manifest' || !Array.isArray(manifest.operations)) {
    throw new TypeError(`${String(options.manifestPath)} is not an Apollo persisted query manifest`);
  }
  const byId = new Map(manifest.operations.map((op) => [op.id, op]));
  const mode = options.mode ?? 'partners';
  const restricted = (principal: Principal | undefined) => mode === 'all' || (mode === 'partners' && isPartner(principal));
  const notInList = (message: string) => answered(400, { errors: [{ message, extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] });
  return {
    name: 'trusted-documents',
    handle(exchange, next) {
      const { request, params } = exchange;
      if (!request || !params) return next();
      const id = documentIdOf(request.body, request.search);
      if (id === undefined) {
        if (restricted(exchange.principal)) return notInList('Only operations of the trusted document list may be run: send extensions.persistedQuery.sha256Hash (or documentId) of one');
        return next();
      }
      const operation = byId.get(id);
      if (!operation) return notInList('The trusted document list has no operation with this id');
      if (params.query !== undefined && params.query !== operation.body) return notInList('The query text differs from the trusted document with this id');
      params.query = operation.body;
      putDocument(request, operation.body);
      return next();
    },
  };
}

/** The trusted document id a request names, if any. */
function documentIdOf(body: unknown, search: string): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { documentId, extensions } = body as { documentId?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } };
    if (typeof documentId === 'string') return documentId;
    const hash = extensions?.persistedQuery?.sha256Hash;
    if (typeof hash === 'string') return hash;
    return undefined;
  }
  const params = new URLSearchParams(search);
  const documentId = params.get('documentId');
  if (documentId) return documentId;
  try {
    const extensions = JSON.parse(params.get('extensions') ?? 'null') as { persistedQuery?: { sha256Hash?: unknown } } | null;
    return typeof extensions?.persistedQuery?.sha256Hash === 'string' ? extensions.persistedQuery.sha256Hash : undefined;
  } catch {
    return undefined;
  }
}

/** Puts the document's text in the request and takes the id out (Apollo Server's own persisted queries are off). */
function putDocument(request: { method: string; body?: unknown; search: string }, text: string): void {
  if (request.method === 'POST' && request.body && typeof request.body === 'object') {
    const body = request.body as Record<string, unknown> & { extensions?: Record<string, unknown> };
    body.query = text;
    delete body.documentId;
    if (body.extensions) {
      const { persistedQuery: _id, ...rest } = body.extensions;
      body.extensions = rest;
    }
    return;
  }
  const params = new URLSearchParams(request.search);
  params.set('query', text);
  params.delete('documentId');
  params.delete('extensions');
  request.search = `?${params.toString()}`;
}
