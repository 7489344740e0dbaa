import type { SandboxRequest } from '../common/server.js';
import { isSalesforceId, salesforceId, toSalesforceId18 } from '../world/salesforce-id.js';
import { json, notFound, sfError, type Reply } from './respond.js';
import { deleteRecord, insertRecord, updateRecord, validateWrite, type WriteError } from './records.js';
import { describeSObject, findSObject, globalEntry, sobjectForId, SOBJECTS, type SfObject } from './schema.js';
import { bindRetrieveFields, executeSosl, executeSoql, projectRecord, soqlObjectName, type QueryContext } from './soql-engine.js';
import { SoqlError } from './soql-parser.js';
import type { SalesforceWorld } from './world.js';

/** What the REST routes need from the sandbox around them. */
export interface RestEnv {
  world: SalesforceWorld;
  /** The sandbox clock (WORLD_NOW plus the time since start). */
  now(): Date;
  /** The authenticated user. */
  userId: string;
  /** `/services/data/vNN.N` as the client called it. */
  apiBase: string;
  cursors: CursorStore;
  limits: { used: number; max: number };
}

/** A routed REST call: its operation name for the stats and how to run it. */
export interface RestRoute {
  operation: string;
  run(env: RestEnv): Reply;
}

/** Server-side query cursors (for nextRecordsUrl), bounded. */
export class CursorStore {
  private readonly cursors = new Map<string, { object: string; records: Record<string, unknown>[]; batchSize: number }>();
  private seq = 1;

  open(object: string, records: Record<string, unknown>[], batchSize: number): string {
    if (this.cursors.size >= 500) this.cursors.delete(this.cursors.keys().next().value!);
    const id = salesforceId('01g', this.seq++).slice(0, 15);
    this.cursors.set(id, { object, records, batchSize });
    return id;
  }

  get(id: string) {
    return this.cursors.get(id);
  }

  close(id: string): void {
    this.cursors.delete(id);
  }

  clear(): void {
    this.cursors.clear();
  }
}

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;
const MAX_RETRIEVE_IDS = 2000;
const MAX_COLLECTION = 200;
const ALL_OR_NONE_ROLLED_BACK: WriteError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function batchSizeOf(req: SandboxRequest): number {
  const header = req.headers['sforce-query-options'];
  const m = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
  if (!m) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

function soqlFailure(err: unknown): Reply {
  if (err instanceof SoqlError) return sfError(400, err.errorCode, err.message);
  throw err;
}

function parseBody(req: SandboxRequest): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return { ok: false, reply: sfError(400, 'JSON_PARSER_ERROR', 'The HTTP entity body is required, but this request has no entity body.') };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reply: sfError(400, 'JSON_PARSER_ERROR', `Unexpected character in JSON body: ${(err as Error).message.slice(0, 120)}`) };
  }
}

function queryContext(env: RestEnv): QueryContext {
  return { stores: env.world.stores, now: env.now(), apiBase: env.apiBase };
}

function queryPage(env: RestEnv, cursorId: string, offset: number): Reply {
  const cursor = env.cursors.get(cursorId);
  if (!cursor || offset < 0 || offset > cursor.records.length) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  const page = cursor.records.slice(offset, offset + cursor.batchSize);
  const nextOffset = offset + page.length;
  const done = nextOffset >= cursor.records.length;
  if (done) env.cursors.close(cursorId);
  const body: Record<string, unknown> = { totalSize: cursor.records.length, done };
  if (!done) body.nextRecordsUrl = `${env.apiBase}/query/${cursorId}-${nextOffset}`;
  body.records = page;
  return json(200, body, page.length);
}

function runQuery(req: SandboxRequest, env: RestEnv): Reply {
  const q = req.query.get('q');
  if (q === null || q.trim() === '') return sfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  let outcome;
  try {
    outcome = executeSoql(queryContext(env), q);
  } catch (err) {
    return soqlFailure(err);
  }
  const batchSize = batchSizeOf(req);
  if (outcome.records.length <= batchSize) return json(200, { totalSize: outcome.totalSize, done: true, records: outcome.records }, outcome.records.length);
  const cursorId = env.cursors.open(outcome.object, outcome.records, batchSize);
  return queryPage(env, cursorId, 0);
}

function recordUrlId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Checks a record id in a URL: 404 when it is not id-shaped, 400 MALFORMED_ID when its checksum is wrong. */
function checkPathId(raw: string): { ok: true; id: string } | { ok: false; reply: Reply } {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(raw)) {
    return { ok: false, reply: notFound(`Provided external ID field does not exist or is not accessible: ${raw}`) };
  }
  if (!isSalesforceId(raw)) return { ok: false, reply: sfError(400, 'MALFORMED_ID', `malformed id ${raw}`) };
  return { ok: true, id: toSalesforceId18(raw) };
}

function writeFailure(status: number, errors: WriteError[]): Reply {
  return json(status, errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
}

function retrieveOne(req: SandboxRequest, env: RestEnv, object: SfObject, id: string): Reply {
  const record = env.world.stores.get(object.name)!.get(id);
  if (!record) return notFound();
  const fieldsParam = req.query.get('fields');
  try {
    const paths = bindRetrieveFields(object, fieldsParam === null ? undefined : fieldsParam.split(','));
    return json(200, projectRecord(queryContext(env), object, record, paths), 1);
  } catch (err) {
    return soqlFailure(err);
  }
}

function updateOne(req: SandboxRequest, env: RestEnv, object: SfObject, id: string): Reply {
  const store = env.world.stores.get(object.name)!;
  const existing = store.get(id);
  if (!existing) return notFound();
  const body = parseBody(req);
  if (!body.ok) return body.reply;
  const checked = validateWrite(env.world, object, body.value, 'update', existing);
  if (!checked.ok) return writeFailure(400, checked.errors);
  updateRecord(env.world, object, id, checked.values, env.now(), env.userId);
  return { status: 204, headers: { 'Content-Type': 'application/json;charset=UTF-8' } };
}

function upsertOne(req: SandboxRequest, env: RestEnv, object: SfObject, fieldName: string, value: string): Reply {
  const store = env.world.stores.get(object.name)!;
  const matches = store.lookup(fieldName, value) ?? [];
  const body = parseBody(req);
  if (!body.ok) return body.reply;
  if (matches.length > 1) {
    return json(300, matches.map((id) => `${env.apiBase}/sobjects/${object.name}/${id}`));
  }
  const isObject = body.value !== null && typeof body.value === 'object' && !Array.isArray(body.value);
  // The external id comes from the URL; a value for it in the body is ignored.
  const payload: unknown = isObject ? { ...(body.value as Record<string, unknown>) } : body.value;
  if (isObject) delete (payload as Record<string, unknown>)[fieldName];
  if (matches.length === 1) {
    const id = matches[0]!;
    const checked = validateWrite(env.world, object, payload, 'update', store.get(id));
    if (!checked.ok) return writeFailure(400, checked.errors);
    updateRecord(env.world, object, id, checked.values, env.now(), env.userId);
    return json(200, { id, success: true, errors: [], created: false });
  }
  const checked = validateWrite(env.world, object, isObject ? { ...(payload as Record<string, unknown>), [fieldName]: value } : payload, 'create');
  if (!checked.ok) return writeFailure(400, checked.errors);
  const id = insertRecord(env.world, object, checked.values, env.now(), env.userId);
  return json(201, { id, success: true, errors: [], created: true });
}

function compositeRetrieve(env: RestEnv, object: SfObject, ids: unknown, fields: unknown): Reply {
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
    return sfError(400, 'MISSING_ARGUMENT', 'ids: a non-empty list of record ids is required');
  }
  if (ids.length > MAX_RETRIEVE_IDS) return sfError(400, 'EXCEEDED_ID_LIMIT', `too many ids: at most ${MAX_RETRIEVE_IDS} can be retrieved at once`);
  if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string')) {
    return sfError(400, 'MISSING_ARGUMENT', 'fields: a non-empty list of field names is required');
  }
  for (const id of ids as string[]) if (!isSalesforceId(id)) return sfError(400, 'MALFORMED_ID', `malformed id ${id}`);
  let paths;
  try {
    paths = bindRetrieveFields(object, fields as string[]);
  } catch (err) {
    return soqlFailure(err);
  }
  const store = env.world.stores.get(object.name)!;
  const ctx = queryContext(env);
  let found = 0;
  const out = (ids as string[]).map((raw) => {
    const record = store.get(toSalesforceId18(raw));
    if (!record) return null;
    found++;
    return projectRecord(ctx, object, record, paths);
  });
  return json(200, out, found);
}

type CollectionResult = { id: string | null; success: boolean; errors: WriteError[]; created?: boolean };

/** Runs validated collection writes: all or none when asked, else each valid one. */
function applyCollection(
  allOrNone: boolean,
  plans: ({ ok: true; apply: () => CollectionResult } | { ok: false; id: string | null; errors: WriteError[] })[],
): CollectionResult[] {
  const anyFailed = plans.some((p) => !p.ok);
  if (allOrNone && anyFailed) {
    return plans.map((p) => (p.ok ? { id: null, success: false, errors: [ALL_OR_NONE_ROLLED_BACK] } : { id: p.id, success: false, errors: p.errors }));
  }
  return plans.map((p) => (p.ok ? p.apply() : { id: p.id, success: false, errors: p.errors }));
}

function recordType(record: unknown): SfObject | undefined {
  const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
  return typeof type === 'string' ? findSObject(type) : undefined;
}

function collectionBody(req: SandboxRequest): { ok: true; allOrNone: boolean; records: unknown[] } | { ok: false; reply: Reply } {
  const body = parseBody(req);
  if (!body.ok) return body;
  const value = body.value as { allOrNone?: unknown; records?: unknown } | null;
  if (!value || typeof value !== 'object' || !Array.isArray(value.records)) {
    return { ok: false, reply: sfError(400, 'JSON_PARSER_ERROR', 'Expected an object with a records array') };
  }
  if (value.records.length > MAX_COLLECTION) {
    return { ok: false, reply: sfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`) };
  }
  return { ok: true, allOrNone: value.allOrNone === true, records: value.records };
}

function collectionCreate(req: SandboxRequest, env: RestEnv): Reply {
  const body = collectionBody(req);
  if (!body.ok) return body.reply;
  const plans = body.records.map((record) => {
    const object = recordType(record);
    if (!object) return { ok: false as const, id: null, errors: [{ statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] }] };
    const checked = validateWrite(env.world, object, record, 'create');
    if (!checked.ok) return { ok: false as const, id: null, errors: checked.errors };
    return { ok: true as const, apply: () => ({ id: insertRecord(env.world, object, checked.values, env.now(), env.userId), success: true, errors: [] }) };
  });
  return json(200, applyCollection(body.allOrNone, plans));
}

function collectionUpdate(req: SandboxRequest, env: RestEnv): Reply {
  const body = collectionBody(req);
  if (!body.ok) return body.reply;
  const plans = body.records.map((record) => {
    const object = recordType(record);
    const rawId = (record as { id?: unknown; Id?: unknown } | null)?.id ?? (record as { Id?: unknown } | null)?.Id;
    const idText = typeof rawId === 'string' ? rawId : null;
    if (!object) return { ok: false as const, id: idText, errors: [{ statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] }] };
    if (!idText || !isSalesforceId(idText)) return { ok: false as const, id: idText, errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${String(rawId)}`, fields: ['Id'] }] };
    const id = toSalesforceId18(idText);
    const existing = env.world.stores.get(object.name)!.get(id);
    if (!existing) return { ok: false as const, id, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
    const checked = validateWrite(env.world, object, record, 'update', existing);
    if (!checked.ok) return { ok: false as const, id, errors: checked.errors };
    return { ok: true as const, apply: () => (updateRecord(env.world, object, id, checked.values, env.now(), env.userId), { id, success: true, errors: [] }) };
  });
  return json(200, applyCollection(body.allOrNone, plans));
}

function collectionDelete(req: SandboxRequest, env: RestEnv): Reply {
  const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) return sfError(400, 'MISSING_ARGUMENT', 'ids: a list of record ids is required');
  if (ids.length > MAX_COLLECTION) return sfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
  const allOrNone = req.query.get('allOrNone') === 'true';
  const plans = ids.map((raw) => {
    if (!isSalesforceId(raw)) return { ok: false as const, id: raw, errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${raw}`, fields: [] }] };
    const id = toSalesforceId18(raw);
    const object = sobjectForId(id);
    if (!object || !env.world.stores.get(object.name)!.has(id)) return { ok: false as const, id, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
    return { ok: true as const, apply: () => (deleteRecord(env.world, object, id), { id, success: true, errors: [] }) };
  });
  return json(200, applyCollection(allOrNone, plans));
}

function collectionUpsert(req: SandboxRequest, env: RestEnv, object: SfObject, fieldName: string): Reply {
  const body = collectionBody(req);
  if (!body.ok) return body.reply;
  const store = env.world.stores.get(object.name)!;
  const plans = body.records.map((record) => {
    const value = (record as Record<string, unknown> | null)?.[fieldName];
    if (typeof value !== 'string' || value === '') {
      return { ok: false as const, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${fieldName} not specified`, fields: [fieldName] }] };
    }
    const matches = store.lookup(fieldName, value) ?? [];
    if (matches.length > 1) return { ok: false as const, id: null, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${fieldName}: more than one record found for external id field: ${matches.join(', ')}`, fields: [fieldName] }] };
    if (matches.length === 1) {
      const id = matches[0]!;
      const checked = validateWrite(env.world, object, record, 'update', store.get(id));
      if (!checked.ok) return { ok: false as const, id, errors: checked.errors };
      return { ok: true as const, apply: () => (updateRecord(env.world, object, id, checked.values, env.now(), env.userId), { id, success: true, errors: [], created: false }) };
    }
    const checked = validateWrite(env.world, object, record, 'create');
    if (!checked.ok) return { ok: false as const, id: null, errors: checked.errors };
    return { ok: true as const, apply: () => ({ id: insertRecord(env.world, object, checked.values, env.now(), env.userId), success: true, errors: [], created: true }) };
  });
  return json(200, applyCollection(body.allOrNone, plans));
}

function externalIdField(object: SfObject, name: string) {
  const f = object.fieldsByLower.get(name.toLowerCase());
  return f?.externalId ? f : undefined;
}

/** Routes a REST path below `/services/data/vNN.N`; undefined when nothing matches. */
export function routeRest(req: SandboxRequest, rest: string, cursors: CursorStore): RestRoute | undefined {
  const method = req.method;
  const parts = rest.split('/').filter(Boolean);
  const [head, a, b, c] = parts;

  if (parts.length === 0 && method === 'GET') {
    return {
      operation: 'rest.resources',
      run: (env) =>
        json(200, {
          sobjects: `${env.apiBase}/sobjects`,
          query: `${env.apiBase}/query`,
          queryAll: `${env.apiBase}/queryAll`,
          search: `${env.apiBase}/search`,
          composite: `${env.apiBase}/composite`,
          limits: `${env.apiBase}/limits`,
          identity: `${env.apiBase.replace(/\/services\/data\/.*$/, '')}/id/${env.world.orgId}/${env.userId}`,
        }),
    };
  }
  if (head === 'limits' && parts.length === 1 && method === 'GET') {
    return {
      operation: 'limits',
      run: (env) =>
        json(200, {
          DailyApiRequests: { Max: env.limits.max, Remaining: Math.max(0, env.limits.max - env.limits.used) },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
          DataStorageMB: { Max: 1024, Remaining: 1000 },
        }),
    };
  }
  if ((head === 'query' || head === 'queryAll') && method === 'GET') {
    if (parts.length === 1) {
      const object = soqlObjectName(req.query.get('q') ?? '') ?? 'soql';
      return { operation: `${object}.${head}`, run: (env) => runQuery(req, env) };
    }
    if (parts.length === 2) {
      const m = /^([A-Za-z0-9]+)-(\d+)$/.exec(a!);
      return {
        operation: `${(m && cursors.get(m[1]!)?.object) ?? 'soql'}.queryMore`,
        run: (env) => (m ? queryPage(env, m[1]!, Number(m[2])) : sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator')),
      };
    }
  }
  if (head === 'search' && parts.length === 1 && method === 'GET') {
    return {
      operation: 'search.sosl',
      run: (env) => {
        const q = req.query.get('q');
        if (!q) return sfError(400, 'MALFORMED_SEARCH', 'No search term found. The search term must be enclosed in braces.');
        try {
          const { searchRecords } = executeSosl(queryContext(env), q);
          return json(200, { searchRecords }, searchRecords.length);
        } catch (err) {
          return soqlFailure(err);
        }
      },
    };
  }
  if (head === 'sobjects') {
    if (parts.length === 1 && method === 'GET') {
      return {
        operation: 'describeGlobal',
        run: (env) => json(200, { encoding: 'UTF-8', maxBatchSize: 200, sobjects: [...SOBJECTS.values()].map((o) => globalEntry(o, env.apiBase)) }),
      };
    }
    const object = a ? findSObject(a) : undefined;
    const name = object?.name ?? a ?? 'sobject';
    if (!object) return { operation: `${name}.unknown`, run: () => notFound() };
    if (parts.length === 2) {
      if (method === 'GET') {
        return { operation: `${name}.info`, run: (env) => json(200, { objectDescribe: globalEntry(object, env.apiBase), recentItems: [] }) };
      }
      if (method === 'POST') {
        return {
          operation: `${name}.create`,
          run: (env) => {
            const body = parseBody(req);
            if (!body.ok) return body.reply;
            const checked = validateWrite(env.world, object, body.value, 'create');
            if (!checked.ok) return writeFailure(400, checked.errors);
            const id = insertRecord(env.world, object, checked.values, env.now(), env.userId);
            return json(201, { id, success: true, errors: [] });
          },
        };
      }
    }
    if (parts.length === 3 && b === 'describe' && method === 'GET') {
      return { operation: `${name}.describe`, run: (env) => json(200, describeSObject(object, env.apiBase)) };
    }
    if (parts.length === 3) {
      const raw = recordUrlId(b!);
      const op = method === 'GET' ? 'retrieve' : method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : undefined;
      if (!op) return undefined;
      return {
        operation: `${name}.${op}`,
        run: (env) => {
          const checked = checkPathId(raw);
          if (!checked.ok) return checked.reply;
          if (op === 'retrieve') return retrieveOne(req, env, object, checked.id);
          if (op === 'update') return updateOne(req, env, object, checked.id);
          return deleteRecord(env.world, object, checked.id) ? { status: 204, headers: { 'Content-Type': 'application/json;charset=UTF-8' } } : notFound();
        },
      };
    }
    if (parts.length === 4) {
      const ext = externalIdField(object, b!);
      const value = recordUrlId(c!);
      if (!ext) return { operation: `${name}.unknown`, run: () => notFound(`Provided external ID field does not exist or is not accessible: ${b}`) };
      if (method === 'PATCH') return { operation: `${name}.upsert`, run: (env) => upsertOne(req, env, object, ext.name, value) };
      if (method === 'GET' || method === 'DELETE') {
        return {
          operation: `${name}.${method === 'GET' ? 'retrieve' : 'delete'}`,
          run: (env) => {
            const matches = env.world.stores.get(object.name)!.lookup(ext.name, value) ?? [];
            if (matches.length === 0) return notFound();
            if (matches.length > 1) return json(300, matches.map((id) => `${env.apiBase}/sobjects/${object.name}/${id}`));
            if (method === 'GET') return retrieveOne(req, env, object, matches[0]!);
            deleteRecord(env.world, object, matches[0]!);
            return { status: 204, headers: { 'Content-Type': 'application/json;charset=UTF-8' } };
          },
        };
      }
    }
    return undefined;
  }
  if (head === 'composite' && a === 'sobjects') {
    if (parts.length === 2) {
      if (method === 'DELETE') {
        const first = (req.query.get('ids') ?? '').split(',')[0] ?? '';
        const type = sobjectForId(first)?.name ?? 'sobject';
        return { operation: `${type}.composite_delete`, run: (env) => collectionDelete(req, env) };
      }
      if (method === 'POST' || method === 'PATCH') {
        let type = 'sobject';
        try {
          const parsed = JSON.parse(req.body.toString('utf8')) as { records?: unknown[] };
          type = recordType(parsed.records?.[0])?.name ?? type;
        } catch {
          // the route answers JSON_PARSER_ERROR itself
        }
        return method === 'POST'
          ? { operation: `${type}.composite_create`, run: (env) => collectionCreate(req, env) }
          : { operation: `${type}.composite_update`, run: (env) => collectionUpdate(req, env) };
      }
      return undefined;
    }
    const object = b ? findSObject(b) : undefined;
    const name = object?.name ?? b ?? 'sobject';
    if (!object) return { operation: `${name}.unknown`, run: () => notFound() };
    if (parts.length === 3 && (method === 'POST' || method === 'GET')) {
      return {
        operation: `${name}.composite_retrieve`,
        run: (env) => {
          if (method === 'GET') {
            const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
            const fields = (req.query.get('fields') ?? '').split(',').filter(Boolean);
            return compositeRetrieve(env, object, ids, fields);
          }
          const body = parseBody(req);
          if (!body.ok) return body.reply;
          const value = body.value as { ids?: unknown; fields?: unknown } | null;
          return compositeRetrieve(env, object, value?.ids, value?.fields);
        },
      };
    }
    if (parts.length === 4 && method === 'PATCH') {
      const ext = externalIdField(object, c!);
      if (!ext) return { operation: `${name}.unknown`, run: () => notFound(`Provided external ID field does not exist or is not accessible: ${c}`) };
      return { operation: `${name}.composite_upsert`, run: (env) => collectionUpsert(req, env, object, ext.name) };
    }
  }
  return undefined;
}
