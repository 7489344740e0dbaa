/**
 * Which profile fields updateCustomerProfile may write, read from the system-of-record matrix
 * (`schema/ownership.json`): the Customer fields the mutation writes that Salesforce owns.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mutationOwner, type OwnershipMatrix } from '../../schema/ownership-check.js';

/** Path of the system-of-record matrix. */
export const OWNERSHIP_MATRIX_PATH = fileURLToPath(new URL('../../schema/ownership.json', import.meta.url));

/** The Customer fields `mutation` writes that `system` owns (`Customer.*` expands to every field the system owns). */
export function ownedWrites(matrix: OwnershipMatrix, mutation: string, system: string): Set<string> {
  const owned = new Set(matrix.types.Customer?.[system] ?? []);
  const writes = matrix.mutations[mutation]?.writes ?? [];
  const fields = writes.flatMap((w) => (w === 'Customer.*' ? [...owned] : w.startsWith('Customer.') ? [w.slice('Customer.'.length)] : []));
  return new Set(fields.filter((f) => owned.has(f)));
}

const matrix = JSON.parse(readFileSync(OWNERSHIP_MATRIX_PATH, 'utf8')) as OwnershipMatrix;
const owner = mutationOwner(matrix, 'updateCustomerProfile');
// A matrix that moves the profile away from Salesforce must stop this subgraph at start-up, not mid-write.
if (owner !== 'salesforce') throw new Error(`schema/ownership.json: updateCustomerProfile must be owned by salesforce, got ${String(owner)}`);

/** The system of record of updateCustomerProfile. */
export const PROFILE_OWNER = owner;
/** Profile input fields (`name`, `phone`, ...) that updateCustomerProfile writes to Salesforce. */
export const SALESFORCE_PROFILE_FIELDS: ReadonlySet<string> = ownedWrites(matrix, 'updateCustomerProfile', 'salesforce');
