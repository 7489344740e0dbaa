import { componentLog } from '../platform/logging/index.js';

const processLog = componentLog('process');

/**
 * A promise rejection nobody handled is a defect to log, not a reason to stop serving every other
 * request: by default Node ends the process on one. Uncaught exceptions still end it (the state of
 * the process is unknown after one).
 */
export function survivePromiseRejections(log: (message: string, err: unknown) => void = (m, e) => processLog.error({ err: e }, m)): void {
  process.on('unhandledRejection', (reason) => log('unhandled promise rejection (the process keeps running)', reason));
}
