import { createHash, randomUUID } from 'node:crypto';
import type { Change, ChangeTransaction } from '../common/changes.js';
import { SOBJECTS } from './schema.js';

/**
 * Change Data Capture event payloads as a CometD subscriber receives them:
 * `{schema, payload: {ChangeEventHeader, ...fields}, event: {replayId}}`. The header carries
 * entityName, recordIds, changeType (CREATE, UPDATE, DELETE), changeOrigin, transactionKey,
 * sequenceNumber (within the transaction), commitTimestamp (ms), commitNumber, commitUser,
 * nulledFields, diffFields and changedFields. A create carries every field; an update the changed
 * fields and LastModifiedDate; a delete only the header. SystemModstamp is never sent. Address
 * and contact name fields are nested as compound fields (`BillingAddress: {City}`, `Name:
 * {FirstName}`) and listed as `BillingAddress.City` in changedFields; datetimes are ISO with `Z`.
 */

/** Where a change came from, as changeOrigin states it. */
export interface ChangeContext {
  /** The user who made the change (commitUser). */
  userId?: string;
  /** changeOrigin, e.g. `com/salesforce/api/rest/62.0;client=c360`. */
  origin?: string;
}

/** The changeOrigin of a change made in Lightning Experience (edits and the scripted stream). */
export const UI_ORIGIN = 'com/salesforce/api/soap/62.0;client=SfdcInternalAPI/';

const COMPOUNDS: Record<string, Record<string, [string, string]>> = {
  Account: Object.fromEntries(
    ['Billing', 'Shipping'].flatMap((kind) => ['Street', 'City', 'State', 'PostalCode', 'Country'].map((part) => [`${kind}${part}`, [`${kind}Address`, part] as [string, string]])),
  ),
  Contact: { FirstName: ['Name', 'FirstName'], LastName: ['Name', 'LastName'] },
};
const EMPTY_COMPOUND: Record<string, Record<string, unknown>> = {
  BillingAddress: { Street: null, City: null, State: null, PostalCode: null, Country: null, Latitude: null, Longitude: null, GeocodeAccuracy: null },
  ShippingAddress: { Street: null, City: null, State: null, PostalCode: null, Country: null, Latitude: null, Longitude: null, GeocodeAccuracy: null },
  Name: { Salutation: null, FirstName: null, LastName: null },
};
const NEVER_SENT = new Set(['Id', 'SystemModstamp', 'IsDeleted']);

/** The event schema id of an entity (stable, shaped like Salesforce's 22-character ids). */
export const schemaId = (entity: string) => createHash('sha256').update(`${entity}ChangeEvent`).digest('base64url').slice(0, 22);

const wireValue = (object: string, field: string, value: unknown) => {
  const type = SOBJECTS.get(object)?.fieldsByLower.get(field.toLowerCase())?.type;
  return type === 'datetime' && typeof value === 'string' ? value.replace(/\+0000$/, 'Z') : value;
};

function fieldsOf(object: string, values: Record<string, unknown>, all: boolean): { body: Record<string, unknown>; names: string[] } {
  const body: Record<string, unknown> = {};
  const names: string[] = [];
  const compounds = COMPOUNDS[object] ?? {};
  for (const [field, raw] of Object.entries(values)) {
    if (NEVER_SENT.has(field) || (object === 'Contact' && field === 'Name')) continue;
    const value = wireValue(object, field, raw);
    const compound = compounds[field];
    if (compound) {
      const [outer, part] = compound;
      const nested = (body[outer] ??= all ? { ...EMPTY_COMPOUND[outer] } : {}) as Record<string, unknown>;
      nested[part] = value;
      names.push(`${outer}.${part}`);
    } else {
      body[field] = value;
      names.push(field);
    }
  }
  if (all) {
    // a create sends its compounds whole; an empty address is null, as Salesforce sends it
    for (const outer of new Set(Object.values(compounds).map(([o]) => o))) {
      const nested = body[outer] as Record<string, unknown> | undefined;
      if (nested && Object.values(nested).every((v) => v === null)) body[outer] = null;
    }
  }
  return { body, names };
}

let commitNumber = 10_000_000_000;

/** The events of one committed transaction for the entities with Change Data Capture on; `publish` assigns replay ids. */
export function changeEvents(txn: ChangeTransaction, entities: ReadonlySet<string>, context: ChangeContext): Array<{ entity: string; build: (replayId: number) => Record<string, unknown> }> {
  const relevant = txn.changes.filter((c) => !c.derived && entities.has(c.object!));
  if (relevant.length === 0) return [];
  const transactionKey = randomUUID();
  const commit = ++commitNumber;
  return relevant.map((change: Change, i) => {
    const entity = change.object!;
    const changeType = change.kind === 'create' ? 'CREATE' : change.kind === 'update' ? 'UPDATE' : 'DELETE';
    const { body, names } = change.kind === 'delete' ? { body: {}, names: [] } : fieldsOf(entity, change.values, change.kind === 'create');
    const nulled = change.kind === 'update' ? names.filter((n) => {
      const [outer, part] = n.split('.');
      const v = part ? (body[outer!] as Record<string, unknown>)[part] : body[n];
      return v === null;
    }) : [];
    const header = {
      entityName: entity,
      recordIds: [String(change.id)],
      changeType,
      changeOrigin: context.origin ?? '',
      transactionKey,
      sequenceNumber: i + 1,
      commitTimestamp: txn.atMs,
      commitNumber: commit,
      commitUser: context.userId ?? String(change.values.LastModifiedById ?? change.previous.LastModifiedById ?? ''),
      nulledFields: nulled,
      diffFields: [],
      changedFields: change.kind === 'update' ? names : [],
    };
    return { entity, build: (replayId) => ({ schema: schemaId(entity), payload: { ChangeEventHeader: header, ...body }, event: { replayId } }) };
  });
}
