import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidOrgnr, parseOrgnr, toIso6523 } from '../../../shared/domain/orgnr.js';

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];
const weightedSum = (prefix: string) =>
  [...prefix].reduce((sum, digit, i) => sum + Number(digit) * (WEIGHTS[i] as number), 0);

/** The first 8-digit prefix (from `start`) whose weighted sum has the given remainder mod 11. */
function prefixWithRemainder(remainder: number, start = 10_000_000): string {
  for (let n = start; n < 100_000_000; n++) {
    const prefix = String(n);
    if (weightedSum(prefix) % 11 === remainder) return prefix;
  }
  throw new Error('no prefix found');
}

const VALID = [
  '991825827',
  '910753614',
  '313725138',
  '314112938',
  '310904473',
  '314250052',
  '310547891',
  '701730496',
  '123456785',
];

const INVALID = [
  ['123456789', 'Digdir/Altinn placeholder'],
  ['912345678', 'placeholder'],
  ['987654321', 'placeholder'],
  ['999888777', 'placeholder'],
  ['12345678', '8 digits'],
  ['1234567850', '10 digits'],
  ['', 'empty'],
  ['abcdefghi', 'letters'],
  ['12345678a', 'letter as check digit'],
  ['1234a6785', 'letter inside'],
  [' 123456785', 'leading space'],
  ['123456785 ', 'trailing space'],
  ['123456785\n', 'trailing newline'],
  ['12345678-5', 'dash'],
  ['+23456785', 'sign'],
  ['１２３４５６７８５', 'full-width digits'],
  ['١٢٣٤٥٦٧٨٥', 'Arabic-Indic digits'],
] as const;

describe('isValidOrgnr', () => {
  it.each(VALID)('accepts %s', (orgnr) => {
    expect(isValidOrgnr(orgnr)).toBe(true);
  });

  it.each(INVALID)('rejects %j (%s)', (orgnr) => {
    expect(isValidOrgnr(orgnr)).toBe(false);
  });

  it('computes the Brønnøysund worked example 12345678 → check digit 5', () => {
    expect(weightedSum('12345678')).toBe(138);
    expect(isValidOrgnr('123456785')).toBe(true);
    expect(isValidOrgnr('123456784')).toBe(false);
  });

  it('rejects every number whose check digit would be 10', () => {
    const prefix = prefixWithRemainder(1);
    expect(11 - (weightedSum(prefix) % 11)).toBe(10);
    for (let digit = 0; digit <= 9; digit++) {
      expect(isValidOrgnr(`${prefix}${digit}`), `${prefix}${digit}`).toBe(false);
    }
  });

  it('uses check digit 0 when 11 - r is 11', () => {
    const prefix = prefixWithRemainder(0);
    expect(isValidOrgnr(`${prefix}0`)).toBe(true);
    for (let digit = 1; digit <= 9; digit++) expect(isValidOrgnr(`${prefix}${digit}`)).toBe(false);
  });

  it('accepts exactly one check digit per prefix, none when it would be 10', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), (n) => {
        const prefix = String(n).padStart(8, '0');
        const valid = [...'0123456789'].filter((digit) => isValidOrgnr(`${prefix}${digit}`));
        const remainder = weightedSum(prefix) % 11;
        const expected = remainder === 1 ? [] : [String(remainder === 0 ? 0 : 11 - remainder)];
        expect(valid).toStrictEqual(expected);
      }),
    );
  });
});

describe('parseOrgnr', () => {
  it.each(VALID)('returns the bare digits of %s, with or without 0192:', (orgnr) => {
    expect(parseOrgnr(orgnr)).toBe(orgnr);
    expect(parseOrgnr(`0192:${orgnr}`)).toBe(orgnr);
  });

  it.each(INVALID)('rejects %j (%s), also behind 0192:', (orgnr) => {
    expect(parseOrgnr(orgnr)).toBeUndefined();
    expect(parseOrgnr(`0192:${orgnr}`)).toBeUndefined();
  });

  it.each([
    ['0192:', 'prefix alone'],
    ['0192:123456789', 'prefix with a bad check digit'],
    ['0193:123456785', 'another ICD'],
    ['0192123456785', 'prefix without colon'],
    ['0192: 123456785', 'space after the prefix'],
    ['0192:0192:123456785', 'prefix twice'],
    ['x0192:123456785', 'junk before the prefix'],
    ['0192:1234567850', 'prefix with 10 digits'],
  ])('rejects %j (%s)', (value) => {
    expect(parseOrgnr(value)).toBeUndefined();
  });
});

describe('toIso6523', () => {
  it('prefixes the ICD 0192', () => {
    expect(toIso6523('910753614')).toBe('0192:910753614');
  });

  it('round-trips with parseOrgnr', () => {
    for (const orgnr of VALID) expect(parseOrgnr(toIso6523(orgnr))).toBe(orgnr);
  });
});
