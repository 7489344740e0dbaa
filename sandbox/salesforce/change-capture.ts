import type { ChangeLog } from '../common/changes.js';
import type { SalesforceWorld } from './world.js';

/**
 * Feeds the org's stored changes into the change history: one entry per record and transaction
 * (a REST call, an edit, a stream step) with the new and previous values of the fields written,
 * `LastModifiedDate`, `LastModifiedById` and `SystemModstamp` included.
 */

/** Observes every store of a world (call again with the new world after a reset). */
export function captureChanges(world: SalesforceWorld, log: ChangeLog): void {
  for (const store of world.stores.values()) {
    store.observer = {
      created: (object, record) => log.created(object, record.Id as string, record),
      changed: (object, id, field, previous, value) => log.changed(object, id, field, previous, value),
      deleted: (object, record) => log.deleted(object, record.Id as string, record),
    };
  }
}
