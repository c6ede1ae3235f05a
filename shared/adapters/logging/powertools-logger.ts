import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { BrokerLogger } from '../../ports/logger.js';

/**
 * The broker's logger on Powertools Logger (structured JSON, Lambda context, sampling). Fields
 * without a value are left out so audit lines stay short.
 */
export function powertoolsBrokerLogger(logger: Logger): BrokerLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields) logger[level](message, definedOnly(fields));
      else logger[level](message);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function definedOnly(fields: Record<string, unknown>): LogAttributes {
  const attributes: LogAttributes = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) attributes[key] = value as LogAttributes[string];
  }
  return attributes;
}

/** What Powertools Metrics logs through (its `GenericLogger`). */
interface MetricsWarningLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

const NOTHING_TO_PUBLISH = 'No application metrics to publish';

/**
 * The logger for Powertools Metrics' own messages: the broker's JSON lines (with the request id),
 * except that "no application metrics to publish" is a debug line, not a warning: a health check
 * or a JWKS read counts nothing, and is not worth a warning.
 */
export function metricsWarningLogger(logger: Logger): MetricsWarningLogger {
  return {
    debug: (...content) => logger.debug(String(content[0])),
    info: (...content) => logger.info(String(content[0])),
    warn: (...content) => {
      const message = String(content[0]);
      if (message.startsWith(NOTHING_TO_PUBLISH)) logger.debug(message);
      else logger.warn(message);
    },
    error: (...content) => logger.error(String(content[0])),
  };
}
