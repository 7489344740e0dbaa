import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../common/server.js';
import { carries, type EventBus } from './cdc-bus.js';

/**
 * The Streaming API's CometD endpoint, `/cometd/<version>`: Bayeux 1.0 over long polling only,
 * with Salesforce's handshake extensions (`replay`, `payload.format`), the replay extension on
 * subscribe (`ext.replay: {channel: replayId}`, -1 new events only, -2 every retained one), OAuth
 * bearer auth checked on every message, and Salesforce's error texts (`403::Unknown client`,
 * `401::Authentication invalid`, `403::Handshake denied`, `400::The replayId {N} you provided was
 * invalid. ...`). A `/meta/connect` is held until events arrive or `timeoutMs` passes (the first
 * one returns at once with the advice); a client that stops polling for `clientTimeoutMs` is
 * forgotten, and must handshake again.
 */

/** Settings of the endpoint. */
export interface CometdOptions {
  /** How long a `/meta/connect` is held (advice.timeout; Salesforce: 110,000 ms). */
  timeoutMs: number;
  /** A client that does not poll again within this time is forgotten (Salesforce: about 40 s). */
  clientTimeoutMs: number;
  /** Most events queued for one client between two polls; past it the oldest are dropped. */
  maxQueue: number;
}

/** What the endpoint needs from the sandbox. */
export interface CometdDeps {
  bus: EventBus;
  /** Whether a channel exists (`/data/ChangeEvents`, `/data/<Entity>ChangeEvent` for the entities with CDC on). */
  channelExists(channel: string): boolean;
  /** Whether an access token is a live session. */
  authenticate(token: string): boolean;
}

type Message = Record<string, unknown> & { channel?: unknown; id?: unknown; clientId?: unknown };

interface Client {
  id: string;
  subscriptions: Set<string>;
  queue: Message[];
  lastSeen: number;
  connects: number;
  wake?: () => void;
}

const JSON_TYPE = { 'Content-Type': 'application/json;charset=UTF-8' };
const MIN_VERSION = 37;
const replayInvalid = (replayId: unknown) =>
  `400::The replayId {${String(replayId)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;

/** Serves `/cometd/<version>` over one event bus. */
export class CometdEndpoint {
  private readonly clients = new Map<string, Client>();
  private counts = { handshakes: 0, delivered: 0, dropped: 0 };
  private readonly off: () => void;

  constructor(
    private readonly deps: CometdDeps,
    private readonly options: CometdOptions,
  ) {
    this.off = deps.bus.onPublish((event) => {
      for (const client of this.clients.values()) {
        for (const channel of client.subscriptions) if (carries(channel, event.channel)) this.push(client, { channel, data: event.data });
      }
    });
  }

  /** Answers one POST to `/cometd/<version>` (`version` as in the path, possibly empty). */
  async handle(req: SandboxRequest, version: string): Promise<SandboxResponse> {
    this.sweep();
    let messages: Message[];
    try {
      const parsed: unknown = JSON.parse(req.body.toString('utf8'));
      messages = (Array.isArray(parsed) ? parsed : [parsed]).filter((m): m is Message => m !== null && typeof m === 'object');
    } catch {
      return { status: 400, headers: JSON_TYPE, body: [{ successful: false, error: '400::Invalid JSON' }] };
    }
    const versionError = !version
      ? "400::API version in the URI is mandatory. URI format: '/cometd/62.0'"
      : Number(version) < MIN_VERSION || !/^\d+\.\d$/.test(version)
        ? `400::Unsupported API version. Only API versions '${MIN_VERSION}.0' and later are supported. URI format: '/cometd/62.0'`
        : undefined;
    if (versionError) return { status: 400, headers: JSON_TYPE, body: messages.map((m) => ({ channel: m.channel, id: m.id, successful: false, error: versionError })) };

    const token = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const replies: Message[] = [];
    let connect: { message: Message; client: Client } | undefined;
    for (const m of messages) {
      if (m.channel === '/meta/handshake') {
        replies.push(this.handshake(m, token));
        continue;
      }
      const refused = this.refuse(m, token);
      if (refused) {
        replies.push(refused);
        continue;
      }
      const client = this.clients.get(String(m.clientId))!;
      client.lastSeen = Date.now();
      if (m.channel === '/meta/connect') connect = { message: m, client };
      else if (m.channel === '/meta/subscribe') replies.push(this.subscribe(m, client));
      else if (m.channel === '/meta/unsubscribe') {
        client.subscriptions.delete(String(m.subscription));
        replies.push({ clientId: client.id, channel: m.channel, id: m.id, subscription: m.subscription, successful: true });
      } else if (m.channel === '/meta/disconnect') {
        this.clients.delete(client.id);
        client.wake?.();
        replies.push({ clientId: client.id, channel: m.channel, id: m.id, successful: true });
      } else replies.push({ clientId: client.id, channel: m.channel, id: m.id, successful: false, error: '403::Publish denied' });
    }
    if (connect) {
      const { client, message } = connect;
      const first = client.connects++ === 0;
      if (!first && client.queue.length === 0) await this.hold(client, req.signal);
      // A client that hung up keeps its queue for its next poll.
      if (req.signal.aborted) return { status: 200, headers: JSON_TYPE, body: [] };
      client.lastSeen = Date.now();
      const events = client.queue.splice(0);
      this.counts.delivered += events.length;
      replies.push(...events);
      const reply: Message = { clientId: client.id, channel: '/meta/connect', id: message.id, successful: true };
      if (first) reply.advice = this.advice();
      if (!this.clients.has(client.id)) reply.advice = { reconnect: 'none', interval: 0 };
      replies.push(reply);
    }
    return { status: 200, headers: JSON_TYPE, body: replies };
  }

  /** Counts for `GET /__sandbox/feeds`. */
  stats(): { clients: number; subscriptions: Record<string, number>; handshakes: number; delivered: number; queued: number; dropped: number } {
    this.sweep();
    const subscriptions: Record<string, number> = {};
    let queued = 0;
    for (const c of this.clients.values()) {
      queued += c.queue.length;
      for (const s of c.subscriptions) subscriptions[s] = (subscriptions[s] ?? 0) + 1;
    }
    return { clients: this.clients.size, subscriptions, ...this.counts, queued };
  }

  /** Zeroes the counters (on reset). */
  resetCounts(): void {
    this.counts = { handshakes: 0, delivered: 0, dropped: 0 };
  }

  /** Answers every held connect and forgets every client. */
  close(): void {
    this.off();
    for (const c of this.clients.values()) c.wake?.();
    this.clients.clear();
  }

  private advice() {
    return { interval: 0, timeout: this.options.timeoutMs, reconnect: 'retry' };
  }

  private handshake(m: Message, token: string | undefined): Message {
    if (!token || !this.deps.authenticate(token)) {
      return {
        ext: { sfdc: { failureReason: token ? '401::Authentication invalid' : '401::Request requires authentication' }, replay: true, 'payload.format': true },
        advice: { reconnect: 'none' },
        channel: '/meta/handshake',
        id: m.id,
        error: '403::Handshake denied',
        successful: false,
      };
    }
    const id = randomBytes(17).toString('base64url').toLowerCase().replace(/[-_]/g, 'a');
    this.clients.set(id, { id, subscriptions: new Set(), queue: [], lastSeen: Date.now(), connects: 0 });
    this.counts.handshakes += 1;
    return {
      ext: { replay: true, 'payload.format': true },
      minimumVersion: '1.0',
      clientId: id,
      supportedConnectionTypes: ['long-polling'],
      advice: this.advice(),
      channel: '/meta/handshake',
      id: m.id,
      version: '1.0',
      successful: true,
    };
  }

  /** The error answer for a message from an unknown client or with a bad token, if any. */
  private refuse(m: Message, token: string | undefined): Message | undefined {
    const base = { clientId: m.clientId, channel: m.channel, id: m.id, successful: false };
    if (!token) return { ...base, error: '401::Request requires authentication', advice: { reconnect: 'none', interval: 0 } };
    if (!this.deps.authenticate(token)) return { ...base, error: '401::Authentication invalid', advice: { reconnect: 'none', interval: 0 } };
    if (typeof m.clientId !== 'string' || !this.clients.has(m.clientId)) return { ...base, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } };
    return undefined;
  }

  private subscribe(m: Message, client: Client): Message {
    const channel = m.subscription;
    const base = { clientId: client.id, channel: '/meta/subscribe', id: m.id, subscription: channel };
    if (typeof channel !== 'string' || channel === '') return { ...base, successful: false, error: '400::Channel name not specified' };
    if (!channel.startsWith('/')) return { ...base, successful: false, error: "400::Channel subscriptions must start with a leading '/'" };
    if (!this.deps.channelExists(channel)) return { ...base, successful: false, error: `400::The channel you requested to subscribe to does not exist {${channel}}` };
    const replayMap = (m.ext as { replay?: Record<string, unknown> } | undefined)?.replay;
    const raw = replayMap && typeof replayMap === 'object' && channel in replayMap ? replayMap[channel] : -1;
    const replayId = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    const missed = typeof replayId === 'number' ? this.deps.bus.replay(channel, replayId) : undefined;
    if (!missed) return { ...base, successful: false, error: replayInvalid(raw) };
    client.subscriptions.add(channel);
    for (const event of missed) this.push(client, { channel, data: event.data });
    return { ...base, successful: true };
  }

  private push(client: Client, message: Message): void {
    client.queue.push(message);
    if (client.queue.length > this.options.maxQueue) {
      client.queue.shift();
      this.counts.dropped += 1;
    }
    client.wake?.();
  }

  private hold(client: Client, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      client.wake?.();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (client.wake === done) client.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      client.wake = done;
    });
  }

  private sweep(): void {
    const stale = Date.now() - this.options.clientTimeoutMs;
    for (const [id, c] of this.clients) if (!c.wake && c.lastSeen < stale) this.clients.delete(id);
  }
}
