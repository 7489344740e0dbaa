import { ChangeLog } from '../common/changes.js';
import type { SandboxBackend, SandboxRequest } from '../common/server.js';
import { ALL_CHANGE_EVENTS, EventBus, type BusRetention } from './cdc-bus.js';
import { changeEvents } from './cdc-events.js';
import { captureChanges } from './change-capture.js';
import { CometdEndpoint } from './cometd.js';
import { applySalesforceEdit } from './edit.js';
import { SOBJECTS } from './schema.js';
import { salesforceStreamKinds } from './stream-kinds.js';
import type { SalesforceWorld } from './world.js';

/**
 * The change side of the Salesforce sandbox: the change history fed by the object stores, edits,
 * the scripted stream, and Change Data Capture (the event bus with replay ids, served over the
 * Streaming API's CometD endpoint).
 */

/** Settings of the Salesforce change feeds. */
export interface SalesforceFeedOptions {
  /** Objects with Change Data Capture on (default Account and Contact; User may be added). */
  cdcEntities?: string[];
  /** Retention of change events for replay (default 10,000 events or one hour; real orgs: 72 hours). */
  cdcRetention?: BusRetention;
  /** How long the CometD endpoint holds a `/meta/connect` (default 110,000 ms, as Salesforce's advice). */
  streamingTimeoutMs?: number;
  /** A streaming client that does not poll again within this time is forgotten (default 40,000 ms). */
  streamingClientTimeoutMs?: number;
  /** Retention of the change history (default 50,000 changes or one hour). */
  changeRetention?: { maxEntries?: number; maxAgeMs?: number };
}

/** The feeds of one Salesforce sandbox. */
export interface SalesforceFeeds {
  changes: ChangeLog;
  bus: EventBus;
  cometd: CometdEndpoint;
  /** Starts observing a world (the first one, or the new one of a reset). */
  attach(world: SalesforceWorld): void;
  /** Whether a REST call may change data (sObject and collection writes). */
  isWrite(req: SandboxRequest): boolean;
  backend: Required<Pick<SandboxBackend, 'changes' | 'edit' | 'streamKinds' | 'feeds' | 'close'>>;
}

/** Creates the feeds over whatever world `world()` currently is. */
export function createSalesforceFeeds(world: () => SalesforceWorld, now: () => Date, authenticate: (token: string) => boolean, options: SalesforceFeedOptions = {}): SalesforceFeeds {
  const entities = new Set(options.cdcEntities ?? ['Account', 'Contact']);
  for (const e of entities) if (!SOBJECTS.has(e)) throw new TypeError(`cdcEntities: unknown object ${JSON.stringify(e)}`);
  const channels = [ALL_CHANGE_EVENTS, ...[...entities].map((e) => `/data/${e}ChangeEvent`)];
  const changes = new ChangeLog({ entityKey: 'object', ...options.changeRetention });
  const bus = new EventBus(options.cdcRetention);
  const cometd = new CometdEndpoint(
    { bus, authenticate, channelExists: (c) => channels.includes(c) },
    { timeoutMs: options.streamingTimeoutMs ?? 110_000, clientTimeoutMs: options.streamingClientTimeoutMs ?? 40_000, maxQueue: 10_000 },
  );
  changes.onCommit((txn) => {
    const context = { userId: txn.meta.userId as string | undefined, origin: txn.meta.origin as string | undefined };
    for (const event of changeEvents(txn, entities, context)) bus.publish(`/data/${event.entity}ChangeEvent`, event.build);
  });
  return {
    changes,
    bus,
    cometd,
    attach: (w) => captureChanges(w, changes),
    isWrite(req) {
      const rest = /^\/services\/data\/v\d+\.\d(\/.*)?$/.exec(req.path.replace(/\/+$/, ''))?.[1] ?? '';
      if (!['POST', 'PATCH', 'PUT', 'DELETE'].includes(req.method)) return false;
      // POST /composite/sobjects/<Object> with {ids, fields} is a read
      if (req.method === 'POST' && /^\/composite\/sobjects\/[^/]+$/.test(rest)) return false;
      return rest.startsWith('/sobjects/') || rest.startsWith('/composite');
    },
    backend: {
      changes,
      edit: (body) => applySalesforceEdit(world(), changes, now(), body),
      streamKinds: salesforceStreamKinds(world, changes, now),
      feeds: () => ({ cdc: { entities: [...entities], channels, ...bus.stats(), streaming: cometd.stats() } }),
      close: () => cometd.close(),
    },
  };
}
