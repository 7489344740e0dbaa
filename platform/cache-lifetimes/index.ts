export {
  CACHE_DIRECTIVE_DEFINITIONS,
  CACHE_SPEC_URL,
  cacheLifetimesOf,
  lifetimeOf,
  resolveHint,
  withOverrides,
  type CacheHint,
  type CacheLifetimes,
  type Lifetime,
  type LifetimeOverrides,
} from './cache-lifetimes.js';
export { operationLifetime, type OperationLifetime } from './operation-lifetime.js';
export { undeclaredLifetimes } from './undeclared-lifetimes.js';
export { lifetimeSettingName } from './lifetime-settings.js';
