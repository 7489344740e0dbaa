import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendsConfig, BackendsProcessInfo, BackendsReady } from './serve-backends.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

describe('serve-backends: sandboxes and subgraphs in their own process', () => {
  it('reports its URLs on stdout, serves stats and metrics over HTTP, and stops when stdin closes', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/serve-backends.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const config: BackendsConfig = {
      customers: 20,
      seed: 42,
      faults: { odoo: { latencyMs: 1 } },
      recordCache: true,
      subgraphPermissions: true,
      principalSecret: randomBytes(32).toString('hex'),
      auditLogPath: join(tmpdir(), `c360-serve-backends-test-${process.pid}.jsonl`),
    };
    child.stdin.write(`${JSON.stringify(config)}\n`);
    const ready = await new Promise<BackendsReady>((done, fail) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const line = buffer.split('\n').find((l) => l.startsWith('{"type":"ready"'));
        if (line) done(JSON.parse(line) as BackendsReady);
      });
      void exited.then((code) => fail(new Error(`exited with ${code}`)));
    });
    try {
      expect(Object.keys(ready.subgraphs).sort()).toEqual(['accounts', 'cases', 'invoices', 'orders', 'stock']);
      const stats = (await (await fetch(`${ready.sandboxes.odoo}/__sandbox/stats`)).json()) as { calls: number };
      expect(stats.calls).toBe(0);
      // Unsigned requests are refused: no bench-only principal was asked for.
      const unsigned = await fetch(ready.subgraphs.accounts, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _service { sdl } }' }) });
      expect(unsigned.status).toBe(401);
      const metrics = (await (await fetch(`${ready.admin}/metrics.json`)).json()) as Array<{ name: string }>;
      expect(metrics.some((m) => m.name === 'c360_cache_requests_total')).toBe(true);
      const info = (await (await fetch(`${ready.admin}/process`)).json()) as BackendsProcessInfo;
      expect(info.cpu.user).toBeGreaterThan(0);
    } finally {
      child.stdin.end();
    }
    expect(await exited).toBe(0);
  }, 30_000);
});
