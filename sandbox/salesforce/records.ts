import { isSalesforceId, salesforceId, toSalesforceId18 } from '../world/salesforce-id.js';
import { isIdType, isNumberType, isTextType, sobjectForId, type SfObject } from './schema.js';
import type { SfRecord } from './store.js';
import { sfDateTime, type SalesforceWorld } from './world.js';

/** One error of a write, in the collections shape (`statusCode`); single-record routes rename it `errorCode`. */
export interface WriteError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** The result of validating a write body: the values to store, or the errors. */
export type Validated = { ok: true; values: SfRecord } | { ok: false; errors: WriteError[] };

const fail = (statusCode: string, message: string, fields: string[] = []): Validated => ({ ok: false, errors: [{ statusCode, message, fields }] });

/**
 * Checks a create or update body against the metadata: unknown fields, read-only fields, types,
 * lengths, references and required fields, as Salesforce reports them.
 */
export function validateWrite(world: SalesforceWorld, object: SfObject, body: unknown, mode: 'create' | 'update', existing?: SfRecord): Validated {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('JSON_PARSER_ERROR', `Cannot deserialize instance of ${object.name} from ${Array.isArray(body) ? 'START_ARRAY' : 'VALUE'} value`);
  }
  const values: SfRecord = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'attributes' || key.toLowerCase() === 'id') continue;
    const f = object.fieldsByLower.get(key.toLowerCase());
    if (!f) return fail('INVALID_FIELD', `No such column '${key}' on sobject of type ${object.name}`, [key]);
    if (mode === 'create' ? !f.createable : !f.updateable) {
      return fail('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [f.name]);
    }
    if (value === null || value === undefined) {
      values[f.name] = null;
      continue;
    }
    if (isIdType(f.type)) {
      if (typeof value !== 'string' || !isSalesforceId(value)) return fail('MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(value)}`, [f.name]);
      const id = toSalesforceId18(value);
      if (sobjectForId(id)?.name !== f.referenceTo) return fail('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${value}`, [f.name]);
      if (!world.stores.get(f.referenceTo!)!.has(id)) return fail('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
      values[f.name] = id;
    } else if (isTextType(f.type)) {
      if (typeof value !== 'string') return fail('JSON_PARSER_ERROR', `Cannot deserialize instance of string from ${typeof value} value ${JSON.stringify(value)} or request may be missing a required field`, [f.name]);
      if (value.length > f.length) return fail('STRING_TOO_LONG', `${f.label}: data value too large: ${value.slice(0, 40)} (max length=${f.length})`, [f.name]);
      if (f.type === 'email' && value !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return fail('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${value}`, [f.name]);
      values[f.name] = value === '' ? null : value;
    } else if (isNumberType(f.type)) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return fail('JSON_PARSER_ERROR', `Cannot deserialize instance of double from VALUE_STRING value ${String(value)}`, [f.name]);
      if (f.type === 'int' && !Number.isInteger(n)) return fail('JSON_PARSER_ERROR', `Cannot deserialize instance of int from value ${n}`, [f.name]);
      values[f.name] = n;
    } else if (f.type === 'boolean') {
      if (typeof value !== 'boolean') return fail('JSON_PARSER_ERROR', `Cannot deserialize instance of boolean from value ${String(value)}`, [f.name]);
      values[f.name] = value;
    } else {
      values[f.name] = value;
    }
  }
  const missing = object.fields.filter((f) => {
    if (!f.required) return false;
    if (mode === 'update') return f.name in values && values[f.name] === null;
    return values[f.name] === null || values[f.name] === undefined;
  });
  if (missing.length) return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`, missing.map((f) => f.name));
  if ((object.name === 'Contact' || object.name === 'User') && ('FirstName' in values || 'LastName' in values)) {
    const first = 'FirstName' in values ? values.FirstName : existing?.FirstName;
    const last = 'LastName' in values ? values.LastName : existing?.LastName;
    values.Name = [first, last].filter((p) => typeof p === 'string' && p).join(' ');
  }
  return { ok: true, values };
}

/** Stores a validated new record, filling system fields and defaults. Returns its id. */
export function insertRecord(world: SalesforceWorld, object: SfObject, values: SfRecord, now: Date, userId: string): string {
  const seq = world.nextSeq.get(object.keyPrefix) ?? 1;
  world.nextSeq.set(object.keyPrefix, seq + 1);
  const id = salesforceId(object.keyPrefix, seq);
  const stamp = sfDateTime(now);
  const record: SfRecord = {};
  for (const f of object.fields) record[f.name] = null;
  Object.assign(record, values, {
    Id: id,
    CreatedDate: stamp,
    CreatedById: userId,
    LastModifiedDate: stamp,
    LastModifiedById: userId,
    SystemModstamp: stamp,
  });
  if (object.fieldsByLower.has('ownerid') && !record.OwnerId) record.OwnerId = userId;
  if (object.name === 'Account' && !record.CurrencyIsoCode) record.CurrencyIsoCode = 'EUR';
  if (object.name === 'User' && record.IsActive === null) record.IsActive = true;
  world.stores.get(object.name)!.insert(record);
  return id;
}

/** Applies validated values to an existing record and stamps it. */
export function updateRecord(world: SalesforceWorld, object: SfObject, id: string, values: SfRecord, now: Date, userId: string): void {
  const stamp = sfDateTime(now);
  world.stores.get(object.name)!.update(id, { ...values, LastModifiedDate: stamp, LastModifiedById: userId, SystemModstamp: stamp });
}

/** Deletes a record as Salesforce does for these objects: an account's contacts go with it, lookups to it are cleared. */
export function deleteRecord(world: SalesforceWorld, object: SfObject, id: string): boolean {
  const store = world.stores.get(object.name)!;
  if (!store.delete(id)) return false;
  if (object.name === 'Account') {
    const contacts = world.stores.get('Contact')!;
    for (const cid of contacts.lookup('AccountId', id) ?? []) contacts.delete(cid);
    for (const aid of store.lookup('Partner_Account__c', id) ?? []) store.update(aid, { Partner_Account__c: null });
    for (const r of [...store.all()]) if (r.ParentId === id) store.update(r.Id as string, { ParentId: null });
  }
  return true;
}
