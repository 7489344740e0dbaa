import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EditError } from './admin.js';
import { ChangeLog } from './changes.js';
import { createSandboxServer, type RunningSandbox, type SandboxBackend } from './server.js';

/** A one-table backend: `POST /set` `{key, value}` writes, `GET /get?key=` reads. */
function kvBackend() {
  const data = new Map<string, string>();
  const changes = new ChangeLog({ entityKey: 'object' });
  const set = (key: string, value: string) => {
    changes.changed('kv', key, 'value', data.get(key) ?? null, value);
    data.set(key, value);
  };
  const backend: SandboxBackend = {
    name: 'kv',
    changes,
    handle(req) {
      if (req.method === 'POST' && req.path === '/set') {
        req.count('kv.set');
        const { key, value } = JSON.parse(req.body.toString()) as { key: string; value: string };
        changes.run('api', () => set(key, value));
        return { status: 200, body: { ok: true } };
      }
      req.count('kv.get', 1);
      return { status: 200, body: { value: data.get(req.query.get('key') ?? '') ?? null } };
    },
    isWrite: (req) => req.method === 'POST',
    reset: () => data.clear(),
    serverError: () => ({ status: 500, body: { error: 'boom' } }),
    rateLimited: () => ({ status: 429, body: {} }),
    edit(body) {
      const { key, value } = body as { key?: unknown; value?: unknown };
      if (typeof key !== 'string' || typeof value !== 'string') throw new EditError('key and value must be strings');
      set(key, value);
    },
    streamKinds: {
      bump: (rng) => {
        set(`k${rng.int(1, 3)}`, String(rng.int(0, 1000)));
        return true;
      },
    },
  };
  return { backend, data };
}

let running: RunningSandbox | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const start = async () => {
  const kv = kvBackend();
  running = await createSandboxServer(kv.backend).listen(0);
  return { ...kv, running };
};
const admin = async (r: RunningSandbox, path: string, method = 'GET', body?: unknown) => {
  const res = await fetch(`${r.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('sandbox server', () => {
  it('counts a call whose client hung up as ended at once (inFlight), while its worker finishes the work', async () => {
    const { running: r } = await start();
    r.setFaults({ latencyMs: 400, workers: 1 });
    const hangUp = (path: string) =>
      new Promise<void>((resolve) => {
        const req = request(`${r.url}${path}`, { method: 'GET' });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 80);
      });
    const first = hangUp('/get?key=a');
    const queued = hangUp('/get?key=b'); // waits for the only worker
    await new Promise((res) => setTimeout(res, 30));
    expect(r.stats()).toMatchObject({ inFlight: 2, peakInFlight: 2 });
    await Promise.all([first, queued]);
    await new Promise((res) => setTimeout(res, 20));
    expect(r.stats().inFlight).toBe(0);
    // The first call still holds its worker until its latency is spent; the queued one never ran.
    const t0 = performance.now();
    await fetch(`${r.url}/get?key=c`);
    expect(performance.now() - t0).toBeGreaterThan(250);
    expect(r.stats()).toMatchObject({ inFlight: 0, calls: 2, byOperation: { 'kv.get': 2 } });
  });

  it('errorAfterCommitRate applies the write, then answers the server error or drops the connection', async () => {
    const { running: r, data } = await start();
    const write = (key: string) => fetch(`${r.url}/set`, { method: 'POST', body: JSON.stringify({ key, value: 'v' }) });
    r.setFaults({ errorAfterCommitRate: 1, afterCommit: 'error' });
    const failed = await write('a');
    expect(failed.status).toBe(500);
    expect(data.get('a')).toBe('v');
    r.setFaults({ errorAfterCommitRate: 1, afterCommit: 'drop' });
    await expect(write('b')).rejects.toThrow();
    expect(data.get('b')).toBe('v');
    // Reads are never hit; errorRate still fails before the write is applied.
    expect((await fetch(`${r.url}/get?key=a`)).status).toBe(200);
    r.setFaults({ errorRate: 1 });
    expect((await write('c')).status).toBe(500);
    expect(data.has('c')).toBe(false);
    const changes = (await admin(r, 'changes')).body.changes as Array<{ id: string; source: string }>;
    expect(changes.map((c) => [c.id, c.source])).toEqual([['a', 'api'], ['b', 'api']]);
    for (const bad of [{ errorAfterCommitRate: 2 }, { afterCommit: 'sometimes' }]) {
      const res = await admin(r, 'faults', 'PUT', bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/errorAfterCommitRate|afterCommit/);
    }
  });

  it('records edits with their time and previous values, and filters the history by time and record', async () => {
    const { running: r, data } = await start();
    const before = new Date().toISOString();
    const first = await admin(r, 'edit', 'POST', { key: 'x', value: '1' });
    expect(first).toEqual({ status: 200, body: { ok: true, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) } });
    await admin(r, 'edit', 'POST', { key: 'x', value: '2' });
    await admin(r, 'edit', 'POST', { key: 'y', value: '3' });
    expect(data.get('x')).toBe('2');
    expect((await admin(r, 'edit', 'POST', { key: 1 })).body).toEqual({ error: 'key and value must be strings' });
    const all = await admin(r, `changes?since=${encodeURIComponent(before)}`);
    expect(all.body.changes).toEqual([
      expect.objectContaining({ object: 'kv', id: 'x', kind: 'update', values: { value: '1' }, previous: { value: null }, source: 'edit', at: first.body.at }),
      expect.objectContaining({ object: 'kv', id: 'x', values: { value: '2' }, previous: { value: '1' } }),
      expect.objectContaining({ object: 'kv', id: 'y', values: { value: '3' } }),
    ]);
    expect((await admin(r, 'changes?object=kv&id=y')).body.changes).toHaveLength(1);
    expect((await admin(r, `changes?since=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`)).body.changes).toEqual([]);
    expect((await admin(r, 'changes?since=yesterday')).status).toBe(400);
    // Edits are not API calls.
    expect(r.stats().calls).toBe(0);
    await admin(r, 'reset', 'POST');
    expect((await admin(r, 'changes')).body.changes).toEqual([]);
  });

  it('runs the change stream at about the asked rate and stops it', async () => {
    const { running: r } = await start();
    expect((await admin(r, 'change-stream', 'POST', { perSecond: 20, kinds: ['nope'] })).body.error).toMatch(/unknown kind "nope"/);
    expect((await admin(r, 'change-stream', 'POST', { perSecond: -1 })).status).toBe(400);
    const started = await admin(r, 'change-stream', 'POST', { perSecond: 20, seed: 7 });
    expect(started.body).toMatchObject({ running: true, perSecond: 20, kinds: ['bump'], seed: 7 });
    await new Promise((res) => setTimeout(res, 1000));
    const stopped = await admin(r, 'change-stream', 'POST', { perSecond: 0 });
    expect(stopped.body.running).toBe(false);
    expect(stopped.body.applied).toBeGreaterThanOrEqual(14);
    expect(stopped.body.applied).toBeLessThanOrEqual(26);
    const changes = (await admin(r, 'changes')).body.changes as Array<{ source: string }>;
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.source === 'stream')).toBe(true);
    const later = (await admin(r, 'change-stream')).body.applied;
    await new Promise((res) => setTimeout(res, 200));
    expect((await admin(r, 'change-stream')).body.applied).toBe(later);
  });
});
