import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { componentLog } from '../../../platform/logging/index.js';
import { salesforcePlan, type SalesforceChangeHeader } from './change-plan.js';
import type { Invalidator } from './invalidator.js';
import type { ReplayStore } from './replay-store.js';
import type { SalesforceConnectorOptions } from '../connectors/salesforce/connector-api.js';

const log = componentLog('salesforce-cdc');

/** How the subscriber reaches Salesforce: the org login the connector uses, and its channel. */
export interface SalesforceSubscriberOptions extends Pick<SalesforceConnectorOptions, 'loginUrl' | 'clientId' | 'clientSecret' | 'username' | 'password'> {
  apiVersion: string;
  /** Default `/data/ChangeEvents` (every entity with Change Data Capture on). */
  channel?: string;
  invalidator: Invalidator;
  replayStore: ReplayStore;
}

/** faye's client as jsforce creates it (its typings leave out disconnect and the transport events). */
type StreamingClient = ReturnType<jsforce.Connection['streaming']['createClient']> & {
  disconnect(): unknown;
  on(event: 'transport:down' | 'transport:up', listener: () => void): void;
};

interface CdcMessage {
  payload?: { ChangeEventHeader?: SalesforceChangeHeader & { commitTimestamp?: number }; [field: string]: unknown };
  event?: { replayId?: number };
}

/** A running subscriber. */
export interface SalesforceSubscriber {
  /** The last replay id applied (and saved). */
  readonly lastReplayId: number | undefined;
  /** Disconnects, after the last replay id is written. */
  stop(): Promise<void>;
}

async function accessToken(o: SalesforceSubscriberOptions): Promise<{ accessToken: string; instanceUrl: string }> {
  const form: Record<string, string> = o.username
    ? { grant_type: 'password', client_id: o.clientId, client_secret: o.clientSecret, username: o.username, password: o.password ?? '' }
    : { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret };
  const res = await fetch(`${o.loginUrl}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Salesforce token request failed with HTTP ${res.status}`);
  const body = (await res.json()) as { access_token?: string; instance_url?: string };
  if (!body.access_token || !body.instance_url) throw new Error('Salesforce token answer lacks access_token or instance_url');
  return { accessToken: body.access_token, instanceUrl: body.instance_url };
}

const isExpiredReplay = (err: unknown) => /replayId \{?-?\d+\}? you provided was invalid/i.test(String((err as Error)?.message ?? err));

/**
 * Subscribes to Change Data Capture with jsforce's streaming client (CometD, Replay extension),
 * evicts what each change event names, and saves its replay id, so that a restart or a reconnect
 * resumes after the last event applied: nothing within the retention window is missed. A saved
 * replay id Salesforce no longer retains means events were lost: the subscriber starts over from
 * new events and the feed's health falls back (records cached before then keep their short TTLs).
 */
export async function startSalesforceSubscriber(options: SalesforceSubscriberOptions): Promise<SalesforceSubscriber> {
  const channel = options.channel ?? '/data/ChangeEvents';
  const { invalidator, replayStore } = options;
  const health = invalidator.health;
  let lastReplayId = await replayStore.load();
  let client: StreamingClient | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let applying: Promise<void> = Promise.resolve();

  const onMessage = (message: CdcMessage) => {
    const header = message.payload?.ChangeEventHeader;
    const replayId = message.event?.replayId;
    if (!header || !Array.isArray(header.recordIds)) return;
    // Applied in order, so that the saved replay id never passes an event not yet applied.
    applying = applying.then(() => invalidator.apply('salesforce', salesforcePlan(header, message.payload ?? {}), header.commitTimestamp)).then(() => {
      if (typeof replayId === 'number' && (lastReplayId === undefined || replayId > lastReplayId)) {
        lastReplayId = replayId;
        replayStore.save(replayId);
      }
    });
  };

  const connect = async (from: number | undefined, note?: string): Promise<void> => {
    if (stopped) return;
    const { accessToken: token, instanceUrl } = await accessToken(options);
    const conn = new jsforce.Connection({ instanceUrl, accessToken: token, version: options.apiVersion });
    const next = conn.streaming.createClient([
      // Without a saved id, every retained event: one that came before the first was applied
      // only evicts again, one that would be skipped could leave a record stale.
      new StreamingExtension.Replay(channel, from ?? -2),
      new StreamingExtension.AuthFailure(() => {
        health.down('salesforce', 'the streaming session lost its authentication');
        reconnect();
      }),
    ]) as StreamingClient;
    client = next;
    next.on('transport:down', () => health.down('salesforce', 'the streaming connection is down'));
    next.on('transport:up', () => health.up('salesforce'));
    try {
      await next.subscribe(channel, (m: unknown) => onMessage(m as CdcMessage));
    } catch (err) {
      next.disconnect();
      if (isExpiredReplay(err) && from !== undefined && from >= 0) {
        const reason = `replay id ${from} is no longer retained: events may have been missed, records cached before now keep their short TTLs`;
        log.warn({ replayId: from }, 'saved replay id expired; resubscribing to new events');
        health.down('salesforce', reason);
        return connect(-1, reason);
      }
      throw err;
    }
    health.up('salesforce', note);
    log.info({ channel, from: from ?? -1 }, 'subscribed to change events');
  };

  const reconnect = () => {
    if (stopped || retry) return;
    const current = client;
    client = undefined;
    current?.disconnect();
    retry = setTimeout(() => {
      retry = undefined;
      connect(lastReplayId).catch((err: unknown) => {
        health.down('salesforce', `cannot subscribe: ${(err as Error).message}`);
        reconnect();
      });
    }, 1000);
  };

  try {
    await connect(lastReplayId);
  } catch (err) {
    health.down('salesforce', `cannot subscribe: ${(err as Error).message}`);
    reconnect();
  }

  return {
    get lastReplayId() {
      return lastReplayId;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      client?.disconnect();
      client = undefined;
      health.down('salesforce', 'the subscriber is stopped');
      await applying;
      await replayStore.flush();
    },
  };
}
