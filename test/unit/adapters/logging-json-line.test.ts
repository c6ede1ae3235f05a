import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { HeldLine, LineWriter } from '../../../shared/adapters/logging/batched-line-writer.js';
import { jsonLineLogger, jsonMembers } from '../../../shared/adapters/logging/json-line-logger.js';

describe('jsonLineLogger', () => {
  const capture = (level?: string) => {
    const lines: string[] = [];
    const logger = jsonLineLogger({
      serviceName: 'svc',
      ...(level ? { level } : {}),
      write: (line) => lines.push(line),
    });
    return { logger, lines };
  };

  it('writes one parseable JSON line per call with the Powertools field layout', () => {
    const { logger, lines } = capture();

    logger.info('token request', {
      caller: 'local',
      scopes: ['a b'],
      note: 'quote " and\nnewline',
    });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'INFO',
      message: 'token request',
      service: 'svc',
      caller: 'local',
      scopes: ['a b'],
      note: 'quote " and\nnewline',
    });
  });

  it('writes a line without fields, and leaves undefined fields out', () => {
    const { logger, lines } = capture();

    logger.warn('plain');
    logger.error('with gaps', { org: undefined, status: 502 });

    expect(JSON.parse(lines[0] as string)).toEqual(
      expect.objectContaining({ level: 'WARN', message: 'plain' }),
    );
    const second = JSON.parse(lines[1] as string);
    expect(second).toMatchObject({ level: 'ERROR', status: 502 });
    expect('org' in second).toBe(false);
  });

  it.each([
    ['debug', 4],
    ['INFO', 3],
    ['warn', 2],
    ['error', 1],
  ])('honours the level %s', (level, count) => {
    const { logger, lines } = capture(level);

    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');

    expect(lines).toHaveLength(count);
  });
});

describe('jsonMembers: the fields of a line, as JSON.stringify writes them', () => {
  it('agrees with JSON.stringify on any record of JSON-ish values', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.string()).map((array) => (Math.random() < 0.5 ? Object.freeze(array) : array)),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (fields) => {
        const expected = JSON.stringify(fields);
        // Twice: the second time short strings come from the remembered ones.
        expect(`{${jsonMembers(fields).slice(1)}}`).toBe(expected === '{}' ? '{}' : expected);
        expect(`{${jsonMembers(fields).slice(1)}}`).toBe(expected === '{}' ? '{}' : expected);
      }),
      { numRuns: 500 },
    );
  });

  it('writes a remembered string with its escapes, every time', () => {
    const fields = { reason: 'a "quoted"\\ value\n\u2028 æøå', caller: 'local' };
    const expected = JSON.stringify(fields);
    for (let i = 0; i < 3; i++) expect(`{${jsonMembers(fields).slice(1)}}`).toBe(expected);
  });

  it('serialises a frozen array once and reuses it', () => {
    const scopes = Object.freeze(['a', 'b']);
    expect(jsonMembers({ scopes })).toBe(',"scopes":["a","b"]');
    expect(jsonMembers({ scopes, org: '310000006' })).toBe(',"scopes":["a","b"],"org":"310000006"');
  });
});

describe('jsonLineLogger with a batching writer: lines are made when the batch is written', () => {
  const holding = () => {
    const held: HeldLine[] = [];
    const writer: LineWriter = { write: (line) => held.push(line), flushSync: () => {} };
    return { held, writer };
  };
  const made = (line: HeldLine | undefined) => (typeof line === 'function' ? line() : line);

  it('formats nothing when called, and later the same line the immediate logger writes', () => {
    const { held, writer } = holding();
    const deferred = jsonLineLogger({ serviceName: 'svc', writer });
    const immediate: string[] = [];
    const direct = jsonLineLogger({ serviceName: 'svc', write: (line) => immediate.push(line) });
    let reads = 0;
    const fields = {
      caller: 'local',
      get org() {
        reads += 1;
        return '910753614';
      },
    };

    const before = Date.now();
    deferred.info('token request', fields);
    direct.info('token request', fields);
    reads = 0;

    expect(held).toHaveLength(1);
    expect(typeof held[0]).toBe('function');
    expect(reads).toBe(0);
    const line = made(held[0]) as string;
    expect(reads).toBe(1);
    const parsed = JSON.parse(line);
    expect(parsed).toEqual(JSON.parse(immediate[0] as string));
    // The timestamp is the call's, not the batch's.
    expect(Date.parse(parsed.timestamp)).toBeGreaterThanOrEqual(before);
  });

  it('stamps each line with the time it was logged, however late its batch is written', () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-30T12:00:00.000Z') });
    try {
      const { held, writer } = holding();
      const logger = jsonLineLogger({ serviceName: 'svc', writer });
      logger.info('first');
      vi.advanceTimersByTime(1_500);
      logger.warn('second');
      vi.advanceTimersByTime(60_000);

      expect(held.map((line) => JSON.parse(made(line) as string).timestamp)).toEqual([
        '2026-11-30T12:00:00.000Z',
        '2026-11-30T12:00:01.500Z',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds nothing for a level below the threshold', () => {
    const { held, writer } = holding();
    const logger = jsonLineLogger({ serviceName: 'svc', level: 'warn', writer });
    logger.info('dropped');
    logger.error('kept');
    expect(held.map((line) => JSON.parse(made(line) as string).message)).toEqual(['kept']);
  });
});
