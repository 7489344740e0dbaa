/** What updateCustomerProfile checks before it writes: the fields it may write, their values, the org's picklists. */
import { badInput } from '../../platform/errors/graphql-errors.js';
import type { SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { SalesforceAccountChanges } from '../shared/connectors/salesforce/records.js';
import { SALESFORCE_PROFILE_FIELDS } from './profile-ownership.js';

/** updateCustomerProfile's input as the schema gives it. */
export interface ProfileInput {
  name?: string | null;
  accountNumber?: string | null;
  type?: string | null;
  industry?: string | null;
  website?: string | null;
  phone?: string | null;
}

const PROFILE_FIELDS: { input: keyof ProfileInput; field: keyof SalesforceAccountChanges; max: number; required?: boolean }[] = [
  { input: 'name', field: 'Name', max: 255, required: true },
  { input: 'accountNumber', field: 'AccountNumber', max: 40 },
  { input: 'type', field: 'Type', max: 255 },
  { input: 'industry', field: 'Industry', max: 255 },
  { input: 'website', field: 'Website', max: 255 },
  { input: 'phone', field: 'Phone', max: 40 },
];

/** Checks the profile input and turns it into Account changes (absent: unchanged, null: cleared). */
export function profileChanges(input: ProfileInput): SalesforceAccountChanges {
  const changes: SalesforceAccountChanges = {};
  for (const spec of PROFILE_FIELDS) {
    const raw = input[spec.input];
    if (raw === undefined) continue;
    const path = `input.${spec.input}`;
    // Only what the ownership matrix gives Salesforce (and this mutation) is ever written there.
    if (!SALESFORCE_PROFILE_FIELDS.has(spec.input)) throw badInput(path, 'is not written by updateCustomerProfile: Salesforce is not its system of record');
    if (raw === null) {
      if (spec.required) throw badInput(path, 'cannot be cleared');
      changes[spec.field] = null;
      continue;
    }
    const value = raw.trim();
    if (spec.required && value === '') throw badInput(path, 'cannot be empty');
    if (value.length > spec.max) throw badInput(path, `must be at most ${spec.max} characters`);
    // Control characters have no place in profile fields and would only garble downstream systems.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(raw)) throw badInput(path, 'must not contain control characters');
    if (spec.input === 'website' && value !== '' && !isWebAddress(value)) throw badInput(path, 'must be an http(s) address, such as https://example.com or example.com');
    changes[spec.field] = value === '' ? null : value;
  }
  if (Object.keys(changes).length === 0) throw badInput('input', 'names no field to change');
  return changes;
}

/**
 * Whether a website value is a web address: an http(s) URL, or a bare host name with an optional
 * path (as Salesforce users often type it). Any other scheme (`javascript:`, `data:`, `file:`)
 * is refused: the value ends up as a link in CRM pages.
 */
function isWebAddress(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }
  return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:[/?#]\S*)?$/i.test(value);
}

/** Picklist fields of the profile: their values must be ones the org's describe lists. */
const PICKLIST_INPUTS = [
  { field: 'Type', input: 'type' },
  { field: 'Industry', input: 'industry' },
] as const;

/** Refuses picklist values the org does not list (Salesforce itself would store them on an unrestricted picklist). */
export async function checkPicklists(salesforce: SalesforceConnector, changes: SalesforceAccountChanges): Promise<void> {
  for (const { field, input } of PICKLIST_INPUTS) {
    const value = changes[field];
    if (typeof value !== 'string') continue;
    const allowed = await salesforce.accountPicklist(field);
    if (!allowed.has(value)) throw badInput(`input.${input}`, `must be one of the values Salesforce lists for Account.${field}: ${[...allowed].map((v) => JSON.stringify(v)).join(', ')}`);
  }
}
