import type { ChangeLog } from '../common/changes.js';
import { createSandboxServer, type Faults, type RunningSandbox, type SandboxStats } from '../common/server.js';
import { createZendeskBackend, type ZendeskBackend, type ZendeskBackendOptions } from './backend.js';
import type { ZendeskWebhookFeed } from './webhook-feed.js';
import type { ZendeskWorld } from './world.js';

/** Settings of a Zendesk sandbox: the world's seed and size, plus the backend's credentials and clocks. */
export type ZendeskSandboxOptions = ZendeskBackendOptions;

/** A Zendesk sandbox before it listens. */
export interface ZendeskSandbox {
  backend: ZendeskBackend;
  /** The current seeded world (a new one after each reset). */
  readonly world: ZendeskWorld;
  /** The change history (also `GET /__sandbox/changes`). */
  readonly changes: ChangeLog;
  /** The webhook feed (its `idle()` resolves once every queued request is sent). */
  readonly webhooks: ZendeskWebhookFeed;
  listen(port?: number, host?: string): Promise<RunningSandbox>;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
}

/** Creates the Zendesk Support API v2 sandbox over the shared seeded world. */
export function createZendeskSandbox(options: ZendeskSandboxOptions = {}): ZendeskSandbox {
  const backend = createZendeskBackend(options);
  const server = createSandboxServer(backend);
  return {
    backend,
    get world() {
      return backend.world;
    },
    changes: backend.changes,
    webhooks: backend.webhooks,
    listen: (port, host) => server.listen(port, host),
    stats: server.stats,
    setFaults: server.setFaults,
    reset: server.reset,
  };
}
