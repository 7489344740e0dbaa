const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
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

/** An 18-character Salesforce id for a key prefix (`001`, `003`, `005`, `00D`) and a sequence number. */
export function salesforceId(prefix: string, n: number): string {
  let body = '';
  let rest = n;
  for (let i = 0; i < 10; i++) {
    body = BASE62[rest % 62] + body;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${prefix}5g${body}`;
  return id15 + salesforceIdSuffix(id15);
}

/** Whether a string has the shape of a 15- or 18-character Salesforce id (with a valid suffix when 18). */
export function isSalesforceId(value: string): boolean {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value)) return false;
  return value.length === 15 || salesforceIdSuffix(value.slice(0, 15)) === value.slice(15);
}

/** The 18-character form of a 15- or 18-character id. */
export function toSalesforceId18(value: string): string {
  return value.length === 15 ? value + salesforceIdSuffix(value) : value;
}
