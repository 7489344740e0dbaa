/** Salesforce record ids, checked before they reach a query or a URL (the sandbox mints its ids with these too). */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
export function salesforceIdSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return suffix;
}

/** Whether a value is a 15- or 18-character Salesforce id (with a valid checksum suffix when 18). */
export function isSalesforceId(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value)) return false;
  return value.length === 15 || salesforceIdSuffix(value.slice(0, 15)) === value.slice(15);
}

/** The 18-character form of a valid 15- or 18-character id. */
export function toSalesforceId18(value: string): string {
  return value.length === 15 ? value + salesforceIdSuffix(value) : value;
}
