import { salesforceIdSuffix } from '../../platform/ids/salesforce-id.js';

export { isSalesforceId, salesforceIdSuffix, toSalesforceId18 } from '../../platform/ids/salesforce-id.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

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
