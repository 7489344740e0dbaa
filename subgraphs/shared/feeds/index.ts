export { DEFAULT_LONG_LIFETIMES, feedLifetimes, feedOfKind, type LongLifetimes } from './feed-lifetimes.js';
export { FeedHealth, FEED_NAMES, type FeedName, type FeedStatus } from './feed-health.js';
export { entityPlan, odooPlan, salesforcePlan, zendeskPlan, ODOO_WEBHOOK_FIELDS, type InvalidationPlan } from './change-plan.js';
export { Invalidator, type InvalidationTargets } from './invalidator.js';
export { fileReplayStore, redisReplayStore, type ReplayStore } from './replay-store.js';
export { startChangeService, type ChangeServiceOptions, type RunningChangeService } from './change-service.js';
export { publishFeedCoverage, SharedFeedCoverage, SHARED_FEED_HEALTH_KEY, type FeedCoverage } from './shared-health.js';
