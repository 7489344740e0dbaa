import type { ChangeLog } from '../common/changes.js';
import type { StreamKind } from '../common/change-stream.js';
import type { Rng } from '../common/rng.js';
import { UI_ORIGIN } from './cdc-events.js';
import { uiUser } from './edit.js';
import { updateRecord } from './records.js';
import { SOBJECTS } from './schema.js';
import type { SfRecord } from './store.js';
import type { SalesforceWorld } from './world.js';

/**
 * What the scripted change stream does on Salesforce, each as the account's owner saving the
 * record in Lightning Experience: a customer account's phone number changes (same country
 * prefix), its annual revenue is revised (a few percent, in thousands), a contact's title changes.
 */

const TITLES = ['Owner', 'Purchasing Manager', 'Store Manager', 'Head of Operations', 'Accounts Payable', 'Workshop Lead', 'Procurement Lead', 'Finance Director'];
const idLists = new WeakMap<object, string[]>();

function pick(world: SalesforceWorld, rng: Rng, object: string, fits: (r: SfRecord) => boolean): SfRecord | undefined {
  const store = world.stores.get(object)!;
  let ids = idLists.get(store);
  if (!ids || ids.length !== store.size) idLists.set(store, (ids = [...store.all()].map((r) => r.Id as string)));
  for (let i = 0; ids.length > 0 && i < 60; i++) {
    const rec = store.get(rng.pick(ids));
    if (rec && fits(rec)) return rec;
  }
  return undefined;
}

const isCustomer = (r: SfRecord) => typeof r.Type === 'string' && r.Type.startsWith('Customer');

/** The stream kinds of a Salesforce sandbox over its current world and clock. */
export function salesforceStreamKinds(world: () => SalesforceWorld, log: ChangeLog, now: () => Date): Record<string, StreamKind> {
  const save = (w: SalesforceWorld, object: string, record: SfRecord, values: SfRecord) => {
    const userId = uiUser(w, record);
    log.annotate({ userId, origin: UI_ORIGIN });
    updateRecord(w, SOBJECTS.get(object)!, record.Id as string, values, now(), userId);
    return true;
  };
  return {
    'Account.Phone': (rng) => {
      const w = world();
      const account = pick(w, rng, 'Account', isCustomer);
      if (!account) return false;
      const prefix = /^\+\d+/.exec(String(account.Phone ?? ''))?.[0] ?? '+49';
      return save(w, 'Account', account, { Phone: `${prefix} ${rng.int(10, 99)} ${rng.int(100, 999)} ${rng.int(1000, 9999)}` });
    },
    'Account.AnnualRevenue': (rng) => {
      const w = world();
      const account = pick(w, rng, 'Account', (r) => isCustomer(r) && typeof r.AnnualRevenue === 'number');
      if (!account) return false;
      const factor = 1 + (rng.chance(0.6) ? 1 : -1) * rng.int(1, 12) / 100;
      return save(w, 'Account', account, { AnnualRevenue: Math.max(1000, Math.round(((account.AnnualRevenue as number) * factor) / 1000) * 1000) });
    },
    'Contact.Title': (rng) => {
      const w = world();
      const contact = pick(w, rng, 'Contact', () => true);
      if (!contact) return false;
      const title = rng.pick(TITLES.filter((t) => t !== contact.Title));
      return save(w, 'Contact', contact, { Title: title });
    },
  };
}
