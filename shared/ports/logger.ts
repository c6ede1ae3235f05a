/**
 * Structured logging as the app layer needs it; Powertools Logger satisfies it. Callers pass only
 * safe fields: never a token, grant, signature, key or secret value.
 */
export interface BrokerLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: BrokerLogger = { debug() {}, info() {}, warn() {}, error() {} };
