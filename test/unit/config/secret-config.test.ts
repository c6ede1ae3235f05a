import { describe, expect, it } from 'vitest';
import { parseSecretConfig } from '../../../shared/config/secret-config.js';

const NAME = 'broker/test';

function failure(value: unknown): string {
  try {
    parseSecretConfig(value, NAME);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    const message = (error as TypeError).message;
    expect(message.startsWith(`secret ${NAME} is invalid: `)).toBe(true);
    return message.slice(`secret ${NAME} is invalid: `.length);
  }
  throw new Error('expected parseSecretConfig to throw');
}

describe('parseSecretConfig', () => {
  it.each([
    [{ clientId: 'c' }, { clientId: 'c' }],
    [
      { clientId: 'c', kid: 'k1' },
      { clientId: 'c', kid: 'k1' },
    ],
    [
      { clientId: 'c', kid: 'k1', kidNext: 'k2' },
      { clientId: 'c', kid: 'k1', kidNext: 'k2' },
    ],
    // A policy left in an old secret is never read, only reported (the SSM parameter decides).
    [
      { clientId: 'c', policy: { rules: [{ callers: ['*'], scopes: ['*'], orgs: '*' }] } },
      { clientId: 'c', obsoletePolicy: true },
    ],
    [
      { clientId: 'c', policy: null },
      { clientId: 'c', obsoletePolicy: true },
    ],
    [{ clientId: 'c'.repeat(200) }, { clientId: 'c'.repeat(200) }],
  ])('reads %j', (value, config) => {
    expect(parseSecretConfig(value, NAME)).toStrictEqual(config);
  });

  it.each([
    ['null', null, 'body: '],
    ['a string', 'client', 'body: '],
    ['an array', [], 'body: '],
    ['no clientId', {}, 'clientId: is required'],
    ['an empty clientId', { clientId: '' }, 'clientId: must not be empty'],
    ['a too long clientId', { clientId: 'c'.repeat(201) }, 'clientId: '],
    ['an empty kid', { clientId: 'c', kid: '' }, 'kid: '],
    ['an empty kidNext', { clientId: 'c', kidNext: '' }, 'kidNext: '],
    ['an unknown field', { clientId: 'c', clientSecret: 's' }, 'unknown field "clientSecret"'],
  ])('refuses %s, naming the field', (_, value, problem) => {
    expect(failure(value)).toContain(problem);
  });

  it.each([
    ['clientId', { clientId: 42 }],
    ['kid', { clientId: 'c', kid: 7 }],
    ['kidNext', { clientId: 'c', kidNext: false }],
  ])('says %s has the wrong type, not that it is missing', (field, value) => {
    const message = failure(value);
    expect(message.startsWith(`${field}: `)).toBe(true);
    expect(message).not.toContain('is required');
  });

  it.each([
    ['an unknown key', { clientId: 'c', privateKey: '-----BEGIN PRIVATE KEY-----SECRETPEM' }],
    ['a too long clientId', { clientId: `SECRET${'x'.repeat(300)}` }],
    ['a wrongly typed kid', { clientId: 'c', kid: { SECRET: 1 } }],
  ])('never echoes a value from the secret (%s)', (_, value) => {
    expect(failure(value)).not.toMatch(/SECRET|xxxxxxxx/);
  });
});
