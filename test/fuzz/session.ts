import type fc from 'fast-check';
import { ensureDevKeys, signDevToken } from '../../gateway/src/auth/dev-keys.js';
import { ChildSystem, type ChildSystemOptions } from './child-system.js';
import { classGenerators, reproductions } from './classes/index.js';
import type { FuzzClass, Probe } from './probe.js';
import { Runner } from './runner.js';
import { sendRaw } from './send.js';
import { tokenKit, type TokenKit } from './classes/tokens.js';
import { discoverWorld, type FuzzWorld } from './world.js';

/** A started child system with everything the fuzz classes need. */
export interface FuzzSession {
  system: ChildSystem;
  runner: Runner;
  world: FuzzWorld;
  kit: TokenKit;
  classes: Record<FuzzClass, fc.Arbitrary<Probe>>;
  reproductions: Probe[];
  close(): Promise<void>;
}

/**
 * Starts the system in a child process (as `npm start` does; development tokens from the same
 * var/dev-keys), reads the seeded world, signs the tokens and builds every generator. After each
 * start the connectors log in once, so that no probe pays for a log-in.
 */
export async function startFuzzSession(options: ChildSystemOptions & { timeoutMs?: number } = {}): Promise<FuzzSession> {
  // Made before the child starts, so that both sides read the same key pair.
  ensureDevKeys();
  const tokens = new Map<string, Promise<string>>();
  const token = (role: string, partnerId?: string) => {
    const key = `${role}|${partnerId ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, signDevToken({ role, partnerId, sub: `fuzz-${role}` }));
    return tokens.get(key)!;
  };
  const adminQuery = async (query: string) => {
    const answer = await sendRaw(system.urls.gateway, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('admin')}` }, body: JSON.stringify({ query }) }, 30_000);
    const body = answer.text ? (JSON.parse(answer.text) as { data?: Record<string, any>; errors?: unknown[] }) : {};
    if (answer.status !== 200 || !body.data) throw new Error(`admin query failed: ${answer.status} ${answer.text.slice(0, 300)}`);
    return body.data;
  };
  const system: ChildSystem = new ChildSystem({
    ...options,
    onReady: async () => {
      await adminQuery('{ customers(first: 1) { edges { node { id billing { onHold } openCaseCount } } } }');
    },
  });
  await system.start();
  try {
    const world = await discoverWorld(adminQuery, system.urls.sandboxes.odoo, options.customers);
    const kit = await tokenKit();
    const runner = new Runner(system, { token, timeoutMs: options.timeoutMs });
    return {
      system,
      runner,
      world,
      kit,
      classes: classGenerators(world, kit),
      reproductions: reproductions(world, kit),
      close: async () => {
        runner.stopSampling();
        await system.close();
      },
    };
  } catch (err) {
    await system.close();
    throw err;
  }
}
