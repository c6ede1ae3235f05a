import type { BrokerLogger } from '../../ports/logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLineLoggerOptions {
  serviceName: string;
  /** Lowest level written (default `info`); Powertools' `POWERTOOLS_LOG_LEVEL` names work too. */
  level?: string;
  write?: (line: string) => void;
}

/**
 * One JSON object per line, in the field layout Powertools Logger uses (`level`, `message`,
 * `timestamp`, `service`, then the fields). The local server's logger: it writes an audit line per
 * request, and Powertools' per-line overhead (tens of microseconds) would dominate a cache hit.
 */
export function jsonLineLogger(options: JsonLineLoggerOptions): BrokerLogger {
  const threshold = RANK[(options.level?.toLowerCase() as Level) ?? 'info'] ?? RANK.info;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const service = JSON.stringify(options.serviceName);
  const at =
    (level: Level) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[level] < threshold) return;
      const head = `{"level":"${level.toUpperCase()}","message":${JSON.stringify(message)},"timestamp":"${new Date().toISOString()}","service":${service}`;
      const rest = fields ? JSON.stringify(fields) : '{}';
      write(rest === '{}' ? `${head}}\n` : `${head},${rest.slice(1)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
