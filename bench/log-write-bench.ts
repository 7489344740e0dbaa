/**
 * What writing log lines costs the process's CPU (the thread pool's part included): one
 * asynchronous and one synchronous file write by size, and a request-sized line through the
 * buffered log destination (`platform/logging`; to a file it writes its chunks synchronously)
 * against sonic-boom handed each line itself (4 KiB minimum asynchronous writes, the destination's
 * first configuration); then the whole request line, made and written, by pino's `info` and by
 * `writeInfoLine` (one JSON.stringify), through the buffered destination.
 *
 *   npx tsx bench/log-write-bench.ts [lines]   (default 200000)
 */
import { closeSync, mkdtempSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { bufferedDestination, createLogger, writeInfoLine } from '../platform/logging/index.js';

const lines = Number(process.argv[2] ?? 200_000);
if (!Number.isSafeInteger(lines) || lines <= 0) {
  console.error('usage: npx tsx bench/log-write-bench.ts [lines]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'c360-log-bench-'));
const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};
// About the size and shape of the gateway's request line.
const line = (i: number) => `${JSON.stringify({ level: 'info', time: new Date().toISOString(), pid: process.pid, component: 'gateway', requestId: `b1e2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`, operationName: 'PartnerOrders', operationType: 'query', sub: 'partner-001ABCDEFGHIJK', roles: ['partner'], status: 200, outcome: 'ok', durationMs: 1.3, errors: [], cache: 'hit', backendCalls: {}, subgraphFetches: 0, msg: 'request' })}\n`;

console.log('one file write, CPU per write:');
for (const kib of [4, 16, 64]) {
  const fd = openSync(join(dir, `write-${kib}.log`), 'a');
  const chunk = `${'x'.repeat(kib * 1024 - 1)}\n`;
  const writes = 5_000;
  const cpu = process.cpuUsage();
  for (let i = 0; i < writes; i++) await new Promise<void>((done, fail) => write(fd, chunk, (err) => (err ? fail(err) : done())));
  const asyncMicros = cpuMicros(cpu) / writes;
  const syncCpu = process.cpuUsage();
  for (let i = 0; i < writes; i++) writeSync(fd, chunk);
  closeSync(fd);
  console.log(`  ${String(kib).padStart(2)} KiB: async ${asyncMicros.toFixed(1)} µs, sync ${(cpuMicros(syncCpu) / writes).toFixed(1)} µs`);
}

console.log(`${lines} request lines (${line(0).length} bytes each), CPU per line:`);
const destinations = {
  'buffered destination': () => bufferedDestination(join(dir, 'buffered.log')),
  'sonic-boom, a line at a time': () => pino.destination({ dest: join(dir, 'sonic.log'), sync: false, minLength: 4096 }),
};
for (const round of [0, 1]) {
  for (const [name, open] of Object.entries(destinations)) {
    const destination = open();
    await new Promise((done) => setTimeout(done, 50)); // the file opens asynchronously
    const cpu = process.cpuUsage();
    for (let i = 0; i < lines; i++) {
      destination.write(line(i));
      // Let writes complete between bursts, as between requests.
      if (i % 500 === 499) await new Promise((done) => setImmediate(done));
    }
    destination.flushSync();
    if (round === 1) console.log(`  ${name}: ${(cpuMicros(cpu) / lines).toFixed(2)} µs`);
  }
}

console.log(`${lines} request lines made and written through the buffered destination, CPU per line:`);
const fieldsOf = (i: number) => ({
  requestId: `b1e2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`,
  operationName: 'PartnerOrders',
  operationType: 'query',
  sub: 'partner-001ABCDEFGHIJK',
  roles: ['partner'],
  clientClass: 'partner:P001',
  status: 200,
  outcome: 'ok',
  durationMs: 1.3,
  errors: [],
  cache: 'hit',
  backendCalls: {},
  subgraphFetches: 0,
});
const writers = {
  "pino's info": (logger: ReturnType<typeof createLogger>, i: number) => logger.info(fieldsOf(i), 'request'),
  writeInfoLine: (logger: ReturnType<typeof createLogger>, i: number) => writeInfoLine(logger, fieldsOf(i), 'request'),
};
for (const round of [0, 1]) {
  for (const [index, [name, writeLine]] of Object.entries(writers).entries()) {
    const destination = bufferedDestination(join(dir, `line-${round}-${index}.log`));
    const logger = createLogger({ level: 'info', destination }).child({ component: 'gateway' });
    await new Promise((done) => setTimeout(done, 50));
    const cpu = process.cpuUsage();
    for (let i = 0; i < lines; i++) {
      writeLine(logger, i);
      if (i % 500 === 499) await new Promise((done) => setImmediate(done));
    }
    destination.flushSync();
    if (round === 1) console.log(`  ${name}: ${(cpuMicros(cpu) / lines).toFixed(2)} µs`);
  }
}
rmSync(dir, { recursive: true, force: true });
