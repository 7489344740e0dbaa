/**
 * The environment-setting name of a type or field coordinate, as it follows `CACHE_MAX_AGE_`,
 * `CACHE_STALE_WHILE_REVALIDATE_` or `CACHE_STALE_IF_ERROR_`: words split at case changes, the dot
 * as one more underscore, all in capitals (`Order` → `ORDER`, `Product.availability` →
 * `PRODUCT_AVAILABILITY`, `Customer.openCaseCount` → `CUSTOMER_OPEN_CASE_COUNT`).
 */
export function lifetimeSettingName(coordinate: string): string {
  return coordinate
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2'))
    .join('_')
    .toUpperCase();
}
