import type { BrokerLogger } from '../../shared/ports/logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

/** A BrokerLogger that keeps every line, for assertions and for the no-secrets-in-logs scan. */
export class RecordingLogger implements BrokerLogger {
  readonly entries: LogEntry[] = [];

  debug(message: string, fields?: Record<string, unknown>) {
    this.#add('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>) {
    this.#add('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>) {
    this.#add('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>) {
    this.#add('error', message, fields);
  }

  /** Everything logged, serialised as it would be written. */
  text(): string {
    return this.entries.map((entry) => JSON.stringify(entry)).join('\n');
  }

  #add(level: LogEntry['level'], message: string, fields?: Record<string, unknown>) {
    this.entries.push(fields ? { level, message, fields } : { level, message });
  }
}
