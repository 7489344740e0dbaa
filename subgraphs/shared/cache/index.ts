export type { RecordCache, RecordKey, RecordKind, StaleObserver } from './record-cache.js';
export { createPassThroughCache } from './record-cache.js';
export { createRecordCache } from './lru-record-cache.js';
export { recordCacheKey, type LruRecordCache, type RecordCacheStats } from './record-cache.js';
export { DEFAULT_BUDGET, type LifetimeSettings, type RecordCacheOptions } from './cache-options.js';
export { committedLifetimes } from './committed-lifetimes.js';
export { createRedisLayer, type CacheLogger, type RedisEntry, type RedisLayer, type RedisLayerOptions } from './redis-layer.js';
