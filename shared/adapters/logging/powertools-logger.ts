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
