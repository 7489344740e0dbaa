import { ConfigError } from './config-error.js';
import { DEFAULT_LONG_LIFETIMES, type LongLifetimes } from '../subgraphs/shared/feeds/feed-lifetimes.js';

/** The change feeds' settings (read with the others by loadSettings). */
export interface FeedSettings {
  /** Which feeds run; a feed turned off leaves its types to their TTLs (`FEED_ODOO`, `FEED_SALESFORCE`, `FEED_ZENDESK`). */
  odoo: boolean;
  salesforce: boolean;
  zendesk: boolean;
  /** The URL the backends post webhooks to, when not the change service's own (`CHANGES_PUBLIC_URL`, e.g. behind a proxy). */
  publicUrl?: string;
  /** Token in the Odoo rules' webhook URL (`FEED_ODOO_TOKEN`); random per start with sandboxes. */
  odooToken?: string;
  /** Signing secret of the Zendesk webhook (`FEED_ZENDESK_SIGNING_SECRET`); random per start with sandboxes. */
  zendeskSigningSecret?: string;
  /** A feed whose events arrive later than this falls back to the short TTLs (`FEED_MAX_LAG_MS`). */
  maxLagMs: number;
  /** The long lifetimes while a feed is healthy (`FEED_MAX_AGE_PROFILE`, `_ORDERS`, `_STOCK`, `_CASES`, seconds). */
  long: LongLifetimes;
  /** Where the Salesforce replay id is kept without Redis, for real Salesforce (`FEED_REPLAY_FILE`). */
  replayFile: string;
  /** Shared secret of the gateway's `POST /invalidate` (`INVALIDATE_SECRET`, at least 32 bytes); admins may call it with their token. */
  invalidateSecret?: string;
}

type Env = Record<string, string | undefined>;

/** Whether any change feed is on. */
export function anyFeedOn(feeds: Pick<FeedSettings, 'odoo' | 'salesforce' | 'zendesk'>): boolean {
  return feeds.odoo || feeds.salesforce || feeds.zendesk;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be on or off, got "${raw}"`);
}

function seconds(env: Env, name: string, fallback: number, unit = 'seconds'): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 86_400) throw new ConfigError(name, `must be a whole number of ${unit} in [1, 86400], got "${raw}"`);
  return value;
}

function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (Buffer.byteLength(raw) < 32) throw new ConfigError(name, 'must be at least 32 bytes');
  return raw;
}

/** Reads the feed settings; `real` says which backends are real systems (their secrets are then required). */
export function feedSettings(env: Env, real: { odoo: boolean; zendesk: boolean }): FeedSettings {
  const settings: FeedSettings = {
    odoo: flag(env, 'FEED_ODOO'),
    salesforce: flag(env, 'FEED_SALESFORCE'),
    zendesk: flag(env, 'FEED_ZENDESK'),
    publicUrl: env.CHANGES_PUBLIC_URL || undefined,
    odooToken: secret(env, 'FEED_ODOO_TOKEN'),
    zendeskSigningSecret: env.FEED_ZENDESK_SIGNING_SECRET || undefined,
    maxLagMs: seconds(env, 'FEED_MAX_LAG_MS', 5000, 'milliseconds'),
    long: {
      profile: seconds(env, 'FEED_MAX_AGE_PROFILE', DEFAULT_LONG_LIFETIMES.profile),
      orders: seconds(env, 'FEED_MAX_AGE_ORDERS', DEFAULT_LONG_LIFETIMES.orders),
      stock: seconds(env, 'FEED_MAX_AGE_STOCK', DEFAULT_LONG_LIFETIMES.stock),
      cases: seconds(env, 'FEED_MAX_AGE_CASES', DEFAULT_LONG_LIFETIMES.cases),
    },
    replayFile: env.FEED_REPLAY_FILE || 'var/salesforce-replay.json',
    invalidateSecret: secret(env, 'INVALIDATE_SECRET'),
  };
  if (settings.publicUrl && !/^https?:\/\//.test(settings.publicUrl)) throw new ConfigError('CHANGES_PUBLIC_URL', 'must be an http(s) URL');
  // A real system's webhooks are configured by its administrator with a secret we must know: without it that feed stays off.
  if (real.odoo && !settings.odooToken) settings.odoo = false;
  if (real.zendesk && !settings.zendeskSigningSecret) settings.zendesk = false;
  return settings;
}
