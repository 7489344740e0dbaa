/**
 * vitest globalSetup: the Redis-backed tests start their own `redis-server`, or reach a running
 * Redis through `TEST_REDIS_URL`. Without either, the run stops at once with one line saying what
 * to do, instead of several test files failing with stacks.
 */
import { connect } from 'node:net';
import { NO_REDIS_MESSAGE, redisServerInstalled } from './redis-server.js';

function reachable(url: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = connect(Number(target.port || 6379), target.hostname);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export default async function setup(): Promise<void> {
  const external = process.env.TEST_REDIS_URL;
  if (external) {
    if (await reachable(external)) return;
    console.error(`TEST_REDIS_URL=${external.replace(/\/\/[^@/]*@/, '//')} does not answer: start that Redis, or unset TEST_REDIS_URL and install redis-server (apt-get install -y redis-server)`);
    process.exit(1);
  }
  if (redisServerInstalled()) return;
  console.error(NO_REDIS_MESSAGE);
  process.exit(1);
}
