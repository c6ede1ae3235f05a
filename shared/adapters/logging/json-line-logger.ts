import type { BrokerLogger } from '../../ports/logger.js';
import type { LineWriter } from './batched-line-writer.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLineLoggerOptions {
  serviceName: string;
  /** Lowest level written (default `info`); Powertools' `POWERTOOLS_LOG_LEVEL` names work too. */
  level?: string;
  /** Where each line goes as it is logged (default stdout). */
  write?: (line: string) => void;
  /**
   * Or a batching writer: each line is then made when its batch is written, from the fields as
   * they were handed over (callers pass fields they no longer change, as the audit line does).
   */
  writer?: LineWriter;
}

/**
 * One JSON object per line, in the field layout Powertools Logger uses (`level`, `message`,
 * `timestamp`, `service`, then the fields). The local server's logger: it writes an audit line per
 * request, and Powertools' per-line overhead (tens of microseconds) would dominate a cache hit.
 */
export function jsonLineLogger(options: JsonLineLoggerOptions): BrokerLogger {
  const threshold = RANK[(options.level?.toLowerCase() as Level) ?? 'info'] ?? RANK.info;
  const { writer } = options;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const service = JSON.stringify(options.serviceName);
  // A busy server writes many lines per millisecond: format the timestamp once per millisecond.
  let stampedAt = Number.NaN;
  let stamp = '';
  const timestamp = (now: number) => {
    if (now !== stampedAt) {
      stampedAt = now;
      stamp = new Date(now).toISOString();
    }
    return stamp;
  };
  const at = (level: Level) => {
    const opening = `{"level":"${level.toUpperCase()}","message":`;
    const line = (message: string, now: number, fields?: Record<string, unknown>): string => {
      const head = `${opening}${stringJson(message)},"timestamp":"${timestamp(now)}","service":${service}`;
      return fields ? `${head}${jsonMembers(fields)}}\n` : `${head}}\n`;
    };
    return (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[level] < threshold) return;
      const now = Date.now();
      if (writer) writer.write(() => line(message, now, fields));
      else write(line(message, now, fields));
    };
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const keyJson = new Map<string, string>();
/** JSON of frozen values (a memoised request's scopes): they cannot change, so it is kept. */
const frozenJson = new WeakMap<object, string>();

/**
 * `,"key":value` for each field, exactly as `JSON.stringify(fields)` writes them (same order, the
 * same values left out), about twice as fast for an audit line: keys are quoted once per process
 * and a frozen object or array is serialised once.
 */
export function jsonMembers(fields: Record<string, unknown>): string {
  let out = '';
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    const json = valueJson(value);
    if (json === undefined) continue;
    let quoted = keyJson.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      if (keyJson.size < 1_000) keyJson.set(key, quoted);
    }
    out += `,${quoted}:${json}`;
  }
  return out;
}

function valueJson(value: unknown): string | undefined {
  if (typeof value === 'string') return stringJson(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'object' && value !== null) {
    // Known first: a frozen value stays frozen, and the lookup is cheaper than asking.
    let json = frozenJson.get(value);
    if (json !== undefined) return json;
    if (Object.isFrozen(value)) {
      json = JSON.stringify(value);
      frozenJson.set(value, json);
      return json;
    }
  }
  // Everything else (undefined and functions give undefined: left out) as JSON itself writes it.
  return JSON.stringify(value);
}

/**
 * A string as JSON. The values of audit lines repeat (an org, a caller, an outcome): the first
 * {@link MAX_REMEMBERED_STRINGS} short ones are remembered rather than escaped on every line.
 */
function stringJson(value: string): string {
  let json = rememberedStrings.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    if (value.length <= 64 && rememberedStrings.size < MAX_REMEMBERED_STRINGS) {
      rememberedStrings.set(value, json);
    }
  }
  return json;
}
const MAX_REMEMBERED_STRINGS = 1_000;
const rememberedStrings = new Map<string, string>();
