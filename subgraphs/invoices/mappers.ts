import type { OdooMove, OdooPartner } from '../shared/connectors/odoo/records.js';
import { many2oneName, orNull, toIsoDate, toMoney, type MoneyValue } from '../shared/connectors/odoo/values.js';

/** Pure mappings from Odoo account.move and res.partner records to the invoices schema. */

export type InvoiceKind = 'INVOICE' | 'CREDIT_NOTE';
export type InvoiceStatus = 'DRAFT' | 'POSTED' | 'CANCELLED';
export type PaymentStatus = 'NOT_PAID' | 'IN_PAYMENT' | 'PAID' | 'PARTIAL' | 'REVERSED' | 'BLOCKED';

/** An Invoice as resolvers hand it to GraphQL, plus the keys its relations need. */
export interface InvoiceModel {
  id: string;
  number: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  paymentStatus: PaymentStatus;
  issuedOn: string | null;
  dueOn: string | null;
  amountUntaxed: MoneyValue;
  amountTotal: MoneyValue;
  amountDue: MoneyValue;
  /** The order name the invoice comes from (first one when Odoo grouped several). */
  orderNumber: string | null;
  partnerId: number | null;
}

/** The BillingProfile fields that come from the partner alone. */
export interface BillingModel {
  vatNumber: string | null;
  address: { street: string | null; street2: string | null; city: string | null; zip: string | null; state: string | null; country: string | null } | null;
  paymentTerms: string | null;
  creditLimit: MoneyValue | null;
  onHold: boolean;
  holdReason: string | null;
  /** res.partner id, for the open items behind outstanding and overdue. */
  partnerId: number;
  currency: string;
}

/** move_type to InvoiceKind. */
export function invoiceKind(moveType: string): InvoiceKind {
  switch (moveType) {
    case 'out_invoice':
      return 'INVOICE';
    case 'out_refund':
      return 'CREDIT_NOTE';
    default:
      throw new TypeError(`account.move type "${moveType}" is not a customer invoice or credit note`);
  }
}

/** account.move.state to InvoiceStatus. */
export function invoiceStatus(state: string): InvoiceStatus {
  switch (state) {
    case 'draft':
      return 'DRAFT';
    case 'posted':
      return 'POSTED';
    case 'cancel':
      return 'CANCELLED';
    default:
      throw new TypeError(`unknown account.move state "${state}"`);
  }
}

/** payment_state to PaymentStatus; `invoicing_legacy` (paid before the accounting migration) reads as PAID. */
export function paymentStatus(value: string | false): PaymentStatus {
  switch (value) {
    case 'not_paid':
    case false:
      return 'NOT_PAID';
    case 'in_payment':
      return 'IN_PAYMENT';
    case 'paid':
    case 'invoicing_legacy':
      return 'PAID';
    case 'partial':
      return 'PARTIAL';
    case 'reversed':
      return 'REVERSED';
    case 'blocked':
      return 'BLOCKED';
    default:
      throw new TypeError(`unknown account.move payment_state "${value}"`);
  }
}

/** The first order name of an invoice_origin (`"S00001, S00002"` when Odoo grouped orders). */
export function originOrderNumber(origin: string | false): string | null {
  const first = orNull(origin)?.split(',')[0]?.trim();
  return first ? first : null;
}

/** Maps an account.move. Drafts have no number yet: Odoo shows `/`. */
export function mapInvoice(move: OdooMove, fallbackCurrency = 'EUR'): InvoiceModel {
  const money = (amount: number) => toMoney(amount, move.currency_id, fallbackCurrency);
  return {
    id: String(move.id),
    number: orNull(move.name) ?? '/',
    kind: invoiceKind(move.move_type),
    status: invoiceStatus(move.state),
    paymentStatus: paymentStatus(move.payment_state),
    issuedOn: toIsoDate(move.invoice_date),
    dueOn: toIsoDate(move.invoice_date_due),
    amountUntaxed: money(move.amount_untaxed),
    amountTotal: money(move.amount_total),
    amountDue: money(move.amount_residual),
    orderNumber: originOrderNumber(move.invoice_origin),
    partnerId: Array.isArray(move.partner_id) ? move.partner_id[0] : null,
  };
}

/**
 * The partner's billing terms. A credit limit of 0 means "no limit" in Odoo and reads as null;
 * the hold reason is the sales-block message, only while the block is on.
 */
export function mapBilling(partner: OdooPartner, fallbackCurrency = 'EUR'): BillingModel {
  const currency = many2oneName(partner.currency_id) ?? fallbackCurrency;
  const address = {
    street: orNull(partner.street),
    street2: orNull(partner.street2),
    city: orNull(partner.city),
    zip: orNull(partner.zip),
    state: many2oneName(partner.state_id),
    country: many2oneName(partner.country_id),
  };
  const onHold = partner.sale_warn === 'block';
  return {
    vatNumber: orNull(partner.vat),
    address: Object.values(address).some((v) => v !== null) ? address : null,
    paymentTerms: many2oneName(partner.property_payment_term_id),
    creditLimit: partner.credit_limit > 0 ? toMoney(partner.credit_limit, partner.currency_id, currency) : null,
    onHold,
    holdReason: onHold ? orNull(partner.sale_warn_msg) : null,
    partnerId: partner.id,
    currency,
  };
}

/**
 * Outstanding and overdue balances from open items: residuals summed in cents, credit notes
 * negative; overdue counts items due before `today` (`YYYY-MM-DD`, UTC).
 */
export function balances(openItems: readonly OdooMove[], today: string, currency: string): { outstanding: MoneyValue; overdue: MoneyValue } {
  let outstanding = 0;
  let overdue = 0;
  for (const item of openItems) {
    if (item.state !== 'posted') continue;
    const sign = item.move_type === 'out_refund' ? -1 : 1;
    const cents = sign * Math.round(item.amount_residual * 100);
    outstanding += cents;
    if (typeof item.invoice_date_due === 'string' && item.invoice_date_due.slice(0, 10) < today) overdue += cents;
  }
  const money = (cents: number): MoneyValue => toMoney(cents / 100, false, currency);
  return { outstanding: money(outstanding), overdue: money(overdue) };
}
