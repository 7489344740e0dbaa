export { apolloLogger, bufferedDestination, writeInfoLine, type BufferedDestination, componentLog, componentLogger, createLogger, flushLogs, levelFromEnv, LOG_LEVELS, loggerFor, REDACTED_PATHS, requestLogger, rootLogger, setLogMixin, setRootLogger, type ComponentLog, type Logger, type LoggerOptions } from './logger.js';
export { throttledWarning } from './throttled.js';
