import { EditError } from '../common/admin.js';
import type { ChangeLog } from '../common/changes.js';
import { isSalesforceId, toSalesforceId18 } from '../world/salesforce-id.js';
import { UI_ORIGIN } from './cdc-events.js';
import { updateRecord, validateWrite } from './records.js';
import { findSObject } from './schema.js';
import type { SfRecord } from './store.js';
import type { SalesforceWorld } from './world.js';

/**
 * `POST /__sandbox/edit` on Salesforce: `{ object, id, values }` saved as the record's owner
 * would in Lightning Experience: the same validation as the REST API, then LastModifiedDate,
 * LastModifiedById (the owner) and SystemModstamp stamped with the sandbox clock.
 */

/** The user a UI edit of a record is made by: its owner when that is a user, else the first sales rep. */
export function uiUser(world: SalesforceWorld, record: SfRecord): string {
  const owner = record.OwnerId;
  if (typeof owner === 'string' && world.stores.get('User')!.has(owner)) return owner;
  return world.skeleton.salesReps[0]?.userId ?? world.integrationUserId;
}

/** Applies one edit; throws EditError for an unknown object, record or field, or a value Salesforce refuses. */
export function applySalesforceEdit(world: SalesforceWorld, log: ChangeLog, now: Date, body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new EditError('an edit is a JSON object {object, id, values}');
  const { object: name, id: rawId, values } = body as Record<string, unknown>;
  const object = typeof name === 'string' ? findSObject(name) : undefined;
  if (!object) throw new EditError(`unknown object ${JSON.stringify(name)}`);
  if (typeof rawId !== 'string' || !isSalesforceId(rawId)) throw new EditError(`id must be a Salesforce record id, got ${JSON.stringify(rawId)}`);
  const id = toSalesforceId18(rawId);
  const existing = world.stores.get(object.name)!.get(id);
  if (!existing) throw new EditError(`${object.name} ${id} does not exist`);
  if (values === null || typeof values !== 'object' || Array.isArray(values) || Object.keys(values).length === 0) throw new EditError('values must be an object with at least one field');
  const checked = validateWrite(world, object, values, 'update', existing);
  if (!checked.ok) throw new EditError(checked.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '));
  const userId = uiUser(world, existing);
  log.annotate({ userId, origin: UI_ORIGIN });
  updateRecord(world, object, id, checked.values, now, userId);
}
