import { describe, expect, it } from 'vitest';
import { jsonLineLogger } from '../../../shared/adapters/logging/json-line-logger.js';

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
