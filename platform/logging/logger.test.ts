import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runInScope } from '../observability/request-scope.js';
import { bufferedDestination, componentLog, componentLogger, createLogger, levelFromEnv, NO_FIELDS, requestLogger, setLogMixin, setRootLogger, writeInfoLine } from './logger.js';

function capture(level = 'info') {
  const lines: Record<string, any>[] = [];
  setRootLogger(createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } }));
  return lines;
}

describe('logger', () => {
  it('redacts credentials and personal fields at the top of a line and in headers, options, errors and records', () => {
    const lines = capture();
    const log = componentLog('test');
    log.info({ authorization: 'Bearer abc', token: 't0k', email: 'a@b.example', headers: { authorization: 'Bearer abc', 'x-c360-principal': 'signed' }, options: { apiKey: 'k', password: 'p' }, record: { name: 'Rosa', phone: '+44' } }, 'line');
    const line = lines[0]!;
    expect(JSON.stringify(line)).not.toMatch(/abc|t0k|a@b\.example|signed|"k"|"p"|Rosa|\+44/);
    expect(line).toMatchObject({ level: 'info', component: 'test', authorization: '[redacted]', headers: { authorization: '[redacted]' }, record: { name: '[redacted]' }, msg: 'line' });
  });

  it("writes a module's lines with the request's id inside a request scope", () => {
    const lines = capture();
    const log = componentLog('connector');
    runInScope({ requestId: 'req-1', log: requestLogger('orders', 'req-1'), backendCalls: {} }, () => log.warn('retrying'));
    log.warn('outside');
    expect(lines.map((l) => [l.component, l.requestId, l.msg])).toEqual([
      ['orders', 'req-1', 'retrying'],
      ['connector', undefined, 'outside'],
    ]);
  });

  it("adds the mixin's fields to every line, under the line's own, and nothing when it has none; each line has its ISO time", () => {
    const lines = capture();
    const log = componentLog('test');
    try {
      setLogMixin(() => ({ traceId: 't-1', spanId: 's-1' }));
      log.info({ spanId: 'own' }, 'traced');
      setLogMixin(() => NO_FIELDS);
      const fields = { requestId: 'r-1' };
      log.info(fields, 'untraced');
      expect(fields).toEqual({ requestId: 'r-1' });
    } finally {
      setLogMixin(() => NO_FIELDS);
    }
    expect(lines.map((l) => [l.msg, l.traceId, l.spanId, l.requestId])).toEqual([
      ['traced', 't-1', 'own', undefined],
      ['untraced', undefined, undefined, 'r-1'],
    ]);
    for (const line of lines) expect(Math.abs(Date.parse(line.time) - Date.now())).toBeLessThan(5_000);
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes an info line of plain values at once as pino writes it (same keys in the same order), the mixin included; a redacted key or a level off goes through pino', () => {
    const raw: string[] = [];
    setRootLogger(createLogger({ level: 'info', destination: { write: (line: string) => void raw.push(line) } }));
    const log = componentLogger('gateway');
    const fields = { requestId: 'r-1', operationName: undefined, roles: ['partner'], status: 200, durationMs: 1.5, ratio: Number.NaN, backendCalls: { odoo: 2 }, errors: [] };
    log.info(fields, 'request');
    const throughPino = vi.spyOn(log, 'info');
    writeInfoLine(log, fields, 'request');
    writeInfoLine(log, {}, 'empty');
    try {
      setLogMixin(() => ({ traceId: 't-1', requestId: 'mixin' }));
      writeInfoLine(log, fields, 'traced');
    } finally {
      setLogMixin(() => NO_FIELDS);
    }
    writeInfoLine(log, { requestId: 'r-2', token: 'secret-token', headers: { authorization: 'Bearer abc' } }, 'redacted');
    expect(throughPino).toHaveBeenCalledTimes(1);
    expect(raw.every((line) => line.endsWith('}\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const [byPino, atOnce, empty, traced, redacted] = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(atOnce!)).toEqual(Object.keys(byPino!));
    expect({ ...atOnce, time: undefined }).toEqual({ ...byPino, time: undefined });
    expect(atOnce).toMatchObject({ level: 'info', component: 'gateway', pid: process.pid, requestId: 'r-1', ratio: null, msg: 'request' });
    expect(atOnce!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(empty).toEqual({ level: 'info', time: empty!.time, pid: process.pid, component: 'gateway', msg: 'empty' });
    expect(traced).toMatchObject({ traceId: 't-1', requestId: 'r-1', msg: 'traced' });
    expect(redacted).toMatchObject({ requestId: 'r-2', token: '[redacted]', headers: { authorization: '[redacted]' }, msg: 'redacted' });
    expect(raw.join('')).not.toMatch(/secret-token|Bearer abc/);

    raw.length = 0;
    setRootLogger(createLogger({ level: 'warn', destination: { write: (line: string) => void raw.push(line) } }));
    writeInfoLine(componentLogger('gateway'), fields, 'request');
    expect(raw).toEqual([]);
  });

  it('takes LOG_LEVEL, info by default, silent under vitest', () => {
    expect(levelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(levelFromEnv({})).toBe('info');
    expect(levelFromEnv({ VITEST: 'true' })).toBe('silent');
    expect(levelFromEnv({ VITEST: 'true', LOG_LEVEL: 'warn' })).toBe('warn');
  });

  it('writes the lines of a buffered destination in order: a chunk once 16 KiB are gathered, a lone line within its flush interval, the rest on flushSync', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'c360-log-')), 'lines.log');
    const destination = bufferedDestination(file);
    const read = () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(90), text: 'näïve ✓' })}\n`;
    for (let i = 0; i < 200; i++) destination.write(line(i));
    await expect.poll(read, { timeout: 2000 }).toMatch(/"i":150,/);
    destination.write(line(200));
    await expect.poll(read, { timeout: 2000 }).toMatch(/"i":200,/);
    for (let i = 201; i < 210; i++) destination.write(line(i));
    destination.flushSync();
    expect(read()).toBe(Array.from({ length: 210 }, (_, i) => line(i)).join(''));
  });
});
