import { createLogger, setRootLogger } from '../../platform/logging/index.js';

/** Every log line the process writes from now on, parsed (and as written), for tests. */
export function captureLogs(level = 'debug'): { lines: Record<string, any>[]; text(): string } {
  const raw: string[] = [];
  const lines: Record<string, any>[] = [];
  setRootLogger(
    createLogger({
      level,
      destination: {
        write(line: string) {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, any>);
        },
      },
    }),
  );
  return { lines, text: () => raw.join('') };
}
