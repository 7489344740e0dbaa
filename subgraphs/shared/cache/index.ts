export type { CacheClass, RecordCache, RecordKey, RecordKind, StaleObserver } from './record-cache.js';
export { createPassThroughCache } from './record-cache.js';
export { createRecordCache, recordCacheKey, type LruRecordCache, type RecordCacheStats } from './lru-record-cache.js';
export { DEFAULT_BUDGET, DEFAULT_CACHE_CLASSES, type CacheClassSettings, type RecordCacheOptions } from './cache-options.js';
export { createRedisLayer, type CacheLogger, type RedisEntry, type RedisLayer, type RedisLayerOptions } from './redis-layer.js';
