import { fstatSync, statSync } from 'node:fs';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { currentScope } from '../observability/request-scope.js';

export type { Logger } from 'pino';

/** The levels `LOG_LEVEL` takes. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys whose values never reach a log line: credentials, the signed principal, personal data (emails, phones, names). */
const SECRET_KEYS = ['authorization', 'cookie', 'token', 'accessToken', 'access_token', 'refreshToken', 'apiKey', 'apiToken', 'oauthToken', 'password', 'secret', 'clientSecret', 'client_secret', 'principalSecret', '["x-c360-principal"]', '["x-c360-signature"]'];
const PERSONAL_KEYS = ['email', 'phone', 'name'];
/** The objects a line may carry those keys in (headers, options, settings, an error or its cause). */
const CONTAINERS = ['headers', 'req.headers', 'request.headers', 'options', 'settings', 'config', 'err', 'err.cause', 'cause', 'principal', 'record'];

/**
 * What never reaches a log line: the keys above at the top of a line and in the usual containers.
 * Paths are pino's (fast-redact), spelled out: wildcard paths (`*.token`) would cost about ten
 * times as much on every line written, the request line included.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...PERSONAL_KEYS.filter((k) => k !== 'name'),
  ...CONTAINERS.flatMap((c) => [...SECRET_KEYS, ...PERSONAL_KEYS].map((k) => (k.startsWith('[') ? `${c}${k}` : `${c}.${k}`))),
];

/** Options of a root logger. */
export interface LoggerOptions {
  /** Minimum level (default `LOG_LEVEL`, else `info`; `silent` under vitest). */
  level?: string;
  /** Where lines go (default: stdout through `bufferedDestination`). */
  destination?: DestinationStream;
}

/** The level `LOG_LEVEL` names; an unknown value falls back to `info` (the settings check refuses it at start-up). */
export function levelFromEnv(env: Record<string, string | undefined> = process.env): LevelWithSilent {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (raw && (LOG_LEVELS as readonly string[]).includes(raw)) return raw as LevelWithSilent;
  // Test runs stay quiet unless a test or the developer asks for lines.
  return env.VITEST ? 'silent' : 'info';
}

/** What a mixin returns when it adds nothing to a line (the line is then written as it is, not copied). */
export const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

let mixin: () => Readonly<Record<string, unknown>> = () => NO_FIELDS;

/** Fields added to every line at the time it is written (tracing adds the active trace id); `NO_FIELDS` when there are none. */
export function setLogMixin(fields: () => Readonly<Record<string, unknown>>): void {
  mixin = fields;
}

/** The line's own fields over the mixin's; a line the mixin adds nothing to is not copied (pino's default copies every line). */
function mergeMixin(line: object, fields: object): object {
  return fields === NO_FIELDS ? line : Object.assign(fields, line);
}

let lastMs = -1;
let lastTime = '';

/** pino's ISO time (`,"time":"…"`), made once per millisecond: a busy gateway writes several lines in each. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** Creates a root logger: JSON lines with an ISO time, the level's name, and the redaction above. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level && (LOG_LEVELS as readonly string[]).includes(options.level) ? options.level : levelFromEnv();
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      mixin: () => mixin() as Record<string, unknown>,
      mixinMergeStrategy: mergeMixin,
    },
    options.destination ?? stdoutDestination(),
  );
}

/** The top-level keys the redaction paths start at: a line holding one is written by pino, which redacts it. */
const REDACTED_ROOTS: ReadonlySet<string> = new Set(REDACTED_PATHS.map((path) => (path.startsWith('[') ? (JSON.parse(path.slice(1, path.indexOf(']'))) as string) : path.split(/[.[]/)[0]!)));

/**
 * Writes one `info` line of plain JSON values (strings, finite numbers, booleans, and arrays and
 * objects of them) as pino writes it, `{"level":"info","time":…,<bindings>,<mixin>,<fields>,"msg":…}`,
 * with one `JSON.stringify` of the fields instead of pino's value-by-value serialization: for the
 * request line, written for every request. Nothing is left out of redaction: a line with any key
 * a redaction path starts at, or for a destination that wants pino's metadata, goes through pino.
 */
export function writeInfoLine(logger: Logger, fields: Record<string, unknown>, msg: string): void {
  if (!logger.isLevelEnabled('info')) return;
  const stream = (logger as unknown as Record<symbol, DestinationStream & { [key: symbol]: unknown }>)[pino.symbols.streamSym];
  let plain = !!stream && !stream[pino.symbols.needsMetadataGsym];
  for (const key in fields) if (REDACTED_ROOTS.has(key)) plain = false;
  if (!plain) {
    logger.info(fields, msg);
    return;
  }
  const own = logger as unknown as Record<symbol, unknown>;
  const start = (own[pino.symbols.lsCacheSym] as Record<number, string>)[logger.levels.values.info!];
  const fieldsJson = JSON.stringify(mergeMixin(fields, mixin()));
  const inner = fieldsJson.length > 2 ? `,${fieldsJson.slice(1, -1)}` : '';
  stream!.write(`${start}${isoTime()}${own[pino.symbols.chindingsSym] as string}${inner},"msg":${JSON.stringify(msg)}}\n`);
}

let stdout: BufferedDestination | undefined;

/** Longest a written line waits in a buffered destination. */
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * Characters of lines gathered before they are handed on in one piece: an asynchronous file write
 * costs about as much CPU for 16 KiB as for 4 KiB (`npx tsx bench/log-write-bench.ts`), so larger
 * pieces make each line's share of its write small.
 */
const LOG_CHUNK = 16 * 1024;

/** A destination that gathers lines; `flushSync` writes out whatever it holds. */
export interface BufferedDestination extends DestinationStream {
  flushSync(): void;
}

/**
 * Lines to a file descriptor or a file path without blocking the event loop on every line: gathered
 * into writes of about 16 KiB (one system call for some thirty request lines), whatever is gathered
 * written at least every 200 ms, and the rest when the process exits.
 *
 * The lines are gathered here, in an array joined once per chunk, and handed to sonic-boom (which
 * owns the descriptor, partial writes and the synchronous flush) a chunk at a time. Handed one
 * line at a time, sonic-boom appends it to its pending string and measures that string's byte
 * length again, which copies the whole string on every line.
 *
 * A chunk goes to a regular file in a synchronous write (a file never answers EAGAIN), to anything
 * else (a pipe to a collector, a terminal) in an asynchronous one, which never holds the event
 * loop when the reader falls behind. `npx tsx bench/log-write-bench.ts` prints the CPU of each: for
 * 16 KiB, about 5 µs synchronous against about 50 µs asynchronous (the thread pool's hand-off).
 * It does not measure the wall time a synchronous write holds the event loop, which a busy disk
 * lengthens.
 */
export function bufferedDestination(dest: number | string): BufferedDestination {
  const sonic = pino.destination({ dest, sync: isRegularFile(dest) });
  let lines: string[] = [];
  let size = 0;
  const handOn = () => {
    if (lines.length === 0) return;
    sonic.write(lines.join(''));
    lines = [];
    size = 0;
  };
  setInterval(handOn, LOG_FLUSH_INTERVAL_MS).unref();
  const flushSync = () => {
    handOn();
    sonic.flushSync();
  };
  process.on('exit', () => {
    try {
      flushSync();
    } catch {
      // Nothing more can be done for lines lost at exit.
    }
  });
  return {
    write(line: string) {
      lines.push(line);
      size += line.length;
      if (size >= LOG_CHUNK) handOn();
    },
    flushSync,
  };
}

/** Whether a destination is a regular file: a descriptor or a path of one, or a path not there yet (sonic-boom creates a file). */
function isRegularFile(dest: number | string): boolean {
  try {
    return (typeof dest === 'string' ? statSync(dest) : fstatSync(dest)).isFile();
  } catch (err) {
    return typeof dest === 'string' && (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Stdout, buffered (one destination per process). */
function stdoutDestination(): DestinationStream {
  return (stdout ??= bufferedDestination(1));
}

/** Writes out the log lines still buffered for stdout (before a process exits on purpose). */
export function flushLogs(): void {
  try {
    stdout?.flushSync();
  } catch {
    // Not yet open (nothing written), or stdout is gone: nothing to flush.
  }
}

let root: Logger | undefined;
const components = new Map<string, Logger>();

/** The process's logger. */
export function rootLogger(): Logger {
  return (root ??= createLogger());
}

/** Replaces the process's logger (tests read their own lines; entry points may set a level). */
export function setRootLogger(logger: Logger): void {
  root = logger;
  components.clear();
}

/** A child of the process logger for one request of one component: every line carries the request id. */
export function requestLogger(component: string, requestId: string): Logger {
  return rootLogger().child({ component, requestId });
}

/** The logger of `component` outside any request (made once per component). */
export function componentLogger(component: string): Logger {
  let logger = components.get(component);
  if (!logger) {
    logger = rootLogger().child({ component });
    components.set(component, logger);
  }
  return logger;
}

/** The logger for code of `component`: the current request's (with its id) inside one, else the component's own. */
export function loggerFor(component: string): Logger {
  return currentScope()?.log ?? componentLogger(component);
}

/** The logging calls of pino, bound to whichever logger `loggerFor` finds at the time of the call. */
export interface ComponentLog {
  fatal: Logger['fatal'];
  error: Logger['error'];
  warn: Logger['warn'];
  info: Logger['info'];
  debug: Logger['debug'];
  trace: Logger['trace'];
  /** Whether a line of this level would be written. */
  enabled(level: string): boolean;
}

/** A module's logger: `const log = componentLog('gateway')`; each call picks the request's logger when in one. */
export function componentLog(component: string): ComponentLog {
  const at =
    (level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (...args: unknown[]) => {
      const logger = loggerFor(component);
      (logger[level] as (...a: unknown[]) => void).apply(logger, args);
    };
  return {
    fatal: at('fatal') as Logger['fatal'],
    error: at('error') as Logger['error'],
    warn: at('warn') as Logger['warn'],
    info: at('info') as Logger['info'],
    debug: at('debug') as Logger['debug'],
    trace: at('trace') as Logger['trace'],
    enabled: (level) => loggerFor(component).isLevelEnabled(level),
  };
}

/** Apollo's logger interface (`@apollo/utils.logger`) over the component's logger, for Apollo Server and @apollo/gateway. */
export function apolloLogger(component: string): { debug(message?: unknown): void; info(message?: unknown): void; warn(message?: unknown): void; error(message?: unknown): void } {
  const log = componentLog(component);
  const line = (write: (obj: object, msg?: string) => void) => (message?: unknown) =>
    message instanceof Error ? write({ err: message }, message.message) : write({ source: 'apollo' }, String(message));
  return { debug: line(log.debug), info: line(log.info), warn: line(log.warn), error: line(log.error) };
}
