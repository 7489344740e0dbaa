import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { invalidateRecords } from '../shared/cache/cached-loader.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooPartner } from '../shared/connectors/odoo/records.js';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import { BackendError } from '../../platform/errors/backend-error.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import type { WriteRun } from '../shared/mutations/write-run.js';
import { OutcomeUnknownError } from '../shared/mutations/outcome.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';

/** Longest hold reason (Odoo `sale_warn_msg`). */
export const MAX_HOLD_REASON = 500;
/** The sales-block message written when a hold is set without a reason. */
export const DEFAULT_HOLD_REASON = 'Credit hold';

// Line breaks and tabs are fine in a warning message; other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A validated setCreditHold call. */
export interface CreditHoldCommand {
  customerId: string;
  onHold: boolean;
  /** Trimmed; null when absent or blank. Ignored when lifting a hold. */
  reason: string | null;
}

/** Checks the arguments before any backend call; BAD_USER_INPUT names the argument at fault. */
export function parseCreditHoldArgs(args: { customerId?: unknown; onHold?: unknown; reason?: unknown }): CreditHoldCommand {
  if (!isSalesforceId(args.customerId)) throw badInput('customerId', 'must be a Salesforce Account Id (15 or 18 characters)');
  if (typeof args.onHold !== 'boolean') throw badInput('onHold', 'must be a boolean');
  let reason: string | null = null;
  if (args.reason !== undefined && args.reason !== null) {
    if (typeof args.reason !== 'string') throw badInput('reason', 'must be a string');
    const trimmed = args.reason.trim();
    if (trimmed.length > MAX_HOLD_REASON) throw badInput('reason', `must be at most ${MAX_HOLD_REASON} characters`);
    if (CONTROL.test(trimmed)) throw badInput('reason', 'must not contain control characters');
    reason = trimmed.length > 0 ? trimmed : null;
  }
  return { customerId: args.customerId, onHold: args.onHold, reason };
}

/** What one setCreditHold call works with. */
export interface CreditHoldEnv {
  odoo: OdooConnector;
  cache: RecordCache;
  /** The request's row filter: the customer must be one the caller may see. */
  rows: RowFilter;
}

/**
 * The answer for a customer without an ERP partner, and (identical) for another reseller's
 * customer: NOT_FOUND, as every mutation answers an unknown target.
 */
export function unknownBillingCustomer(): Error {
  return codedError(ErrorCode.NOT_FOUND, 'customerId: no such customer', { field: 'customerId' });
}

/** The sales warning a partner must end with; null when it already has it (nothing to write). */
export function targetWarning(partner: OdooPartner, cmd: CreditHoldCommand): { warn: 'block' | 'no-message'; message: string | false } | null {
  if (cmd.onHold) {
    const message = cmd.reason ?? DEFAULT_HOLD_REASON;
    return partner.sale_warn === 'block' && partner.sale_warn_msg === message ? null : { warn: 'block', message };
  }
  // Lifting a hold leaves a plain warning ('warning') alone: it is not a hold.
  return partner.sale_warn === 'block' ? { warn: 'no-message', message: false } : null;
}

function applied(partner: OdooPartner, cmd: CreditHoldCommand): boolean {
  return targetWarning(partner, cmd) === null;
}

async function freshPartner(odoo: OdooConnector, id: number): Promise<OdooPartner> {
  const partner = (await odoo.partnersByIds([id])).get(id);
  if (!partner) throw new BackendError({ backend: 'odoo', code: 'INTERNAL', message: `odoo: res.partner ${id} vanished after it was written`, retryable: false });
  return partner;
}

/**
 * Evicts what a credit-hold change touched: the partner by id and by crosswalk ref, and its
 * invoice list, from which the open items (outstanding, overdue) derive.
 */
export async function invalidatePartner(cache: RecordCache, partner: OdooPartner, customerId: string): Promise<void> {
  await Promise.all([
    invalidateRecords(cache, ODOO_KINDS.partner, [partner.id]),
    invalidateRecords(cache, ODOO_KINDS.partnerByRef, [customerId]),
    invalidateRecords(cache, ODOO_KINDS.moveIdsByPartner, [partner.id]),
  ]);
}

/**
 * Sets or lifts the credit hold (Odoo's sales block: `sale_warn = 'block'` with `sale_warn_msg`)
 * of the customer's ERP partner, found fresh by crosswalk ref; answers the partner read fresh.
 * A partner already in the requested state is not written.
 */
export async function executeSetCreditHold(cmd: CreditHoldCommand, env: CreditHoldEnv, run: WriteRun): Promise<OdooPartner> {
  if (!(await env.rows.canSee(cmd.customerId))) throw unknownBillingCustomer();
  const partner = (await env.odoo.partnersByRefs([cmd.customerId])).get(cmd.customerId);
  if (!partner) throw unknownBillingCustomer();
  const target = targetWarning(partner, cmd);
  if (target === null) return partner;
  run.sent = true;
  await env.odoo.setSalesWarn(partner.id, target.warn, target.message);
  run.applied = true;
  // The hold is in place: a failed read-back is answered from what was written, never as an error.
  const written: OdooPartner = { ...partner, sale_warn: target.warn, sale_warn_msg: target.message };
  const fresh = await freshPartner(env.odoo, partner.id).catch(() => written);
  await invalidatePartner(env.cache, fresh, cmd.customerId);
  return fresh;
}

/**
 * After a write of unknown outcome: the partner when it now has the requested hold state;
 * `undefined` when it has not and this call has not sent the write itself; else
 * OutcomeUnknownError (a write that just timed out may still be committing).
 */
export async function recoverCreditHold(cmd: CreditHoldCommand, env: CreditHoldEnv, run: WriteRun): Promise<OdooPartner | undefined> {
  const partner = (await env.odoo.partnersByRefs([cmd.customerId])).get(cmd.customerId);
  if (partner && applied(partner, cmd)) {
    await invalidatePartner(env.cache, partner, cmd.customerId);
    return partner;
  }
  if (!run.sent) return undefined;
  throw new OutcomeUnknownError({ backend: 'odoo', message: 'odoo did not confirm the credit hold change: its outcome is unknown and it was not repeated' });
}
