import type { Many2one, OdooString } from './records.js';

/**
 * Pure conversions of Odoo wire values to the schema's conventions: `false` becomes null,
 * datetimes become ISO 8601 UTC, amounts become decimal strings. No GraphQL here: every subgraph
 * over Odoo maps its records with these.
 */

/** An amount of money as the schema carries it. */
export interface MoneyValue {
  amount: string;
  currency: string;
}

/** Currencies whose minor unit is not the cent (ISO 4217). */
const DECIMALS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, HUF: 2, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };

/** Formats an amount at the currency's precision, rounding half away from zero (no float artefacts such as 1.005 -> 1.00). */
export function formatAmount(amount: number, currency = ''): string {
  if (!Number.isFinite(amount)) throw new RangeError(`amount must be finite, got ${amount}`);
  const decimals = DECIMALS[currency] ?? 2;
  const factor = 10 ** decimals;
  const scaled = Math.round(Math.abs(amount) * factor * (1 + Number.EPSILON));
  const text = (scaled / factor).toFixed(decimals);
  return amount < 0 && scaled !== 0 ? `-${text}` : text;
}

/** Money from an Odoo amount and currency many2one (`[1, "EUR"]`); `fallbackCurrency` when unset. */
export function toMoney(amount: number | false | undefined, currency: Many2one | undefined, fallbackCurrency = 'EUR'): MoneyValue {
  const code = many2oneName(currency) ?? fallbackCurrency;
  return { amount: formatAmount(typeof amount === 'number' ? amount : 0, code), currency: code };
}

/** The display name of a many2one, or null when unset. */
export function many2oneName(value: Many2one | undefined): string | null {
  return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : null;
}

/** The id of a many2one as a schema ID, or null when unset. */
export function many2oneRef(value: Many2one | undefined): string | null {
  return Array.isArray(value) && typeof value[0] === 'number' ? String(value[0]) : null;
}

/** Odoo's `false` (and empty strings) as null. */
export function orNull(value: OdooString | undefined | null): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** An Odoo datetime (`YYYY-MM-DD HH:MM:SS`, UTC) as ISO 8601 (`YYYY-MM-DDTHH:MM:SSZ`); dates pass through. */
export function toIsoDateTime(value: OdooString | undefined | null): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?)?$/.exec(value);
  if (!m) return value;
  return m[2] ? `${m[1]}T${m[2]}Z` : m[1]!;
}

/** An Odoo date (`YYYY-MM-DD`) as is, or null. */
export function toIsoDate(value: OdooString | undefined | null): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  return value.slice(0, 10);
}

/** An Odoo record id from a schema ID (`"42"`), or null when it is not a positive integer. */
export function parseRecordId(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** Whether a record name (`S00042`, `INV/2026/00001`) has an acceptable shape. */
export function isRecordName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9/_-]{1,64}$/.test(value);
}
