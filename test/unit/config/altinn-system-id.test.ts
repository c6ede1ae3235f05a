import { describe, expect, it } from 'vitest';
import { isSystemId, loadEnvConfig } from '../../../shared/config/env-config.js';
import { parseSecretConfig } from '../../../shared/config/secret-config.js';

describe('ALTINN_SYSTEM_ID', () => {
  it('is read when it is <vendor orgno>_<name>', () => {
    expect(loadEnvConfig({ ALTINN_SYSTEM_ID: '310547891_demo_broker' }).systemId).toBe(
      '310547891_demo_broker',
    );
    expect(loadEnvConfig({}).systemId).toBeUndefined();
  });

  it.each(['310547891', '310547891_', '123456789_x', '310547891_a b', 'demo_broker'])(
    'refuses %j',
    (value) => {
      expect(() => loadEnvConfig({ ALTINN_SYSTEM_ID: value })).toThrow(
        /ALTINN_SYSTEM_ID must be <vendor orgno>_<name>/,
      );
      expect(isSystemId(value)).toBe(false);
    },
  );
});

describe('secret systemId', () => {
  it('is optional and checked', () => {
    expect(parseSecretConfig({ clientId: 'c' }, 's').systemId).toBeUndefined();
    expect(
      parseSecretConfig({ clientId: 'c', systemId: '310547891_demo_broker' }, 's').systemId,
    ).toBe('310547891_demo_broker');
    expect(() => parseSecretConfig({ clientId: 'c', systemId: 'nope' }, 's')).toThrow(
      'secret s is invalid: systemId: must be <vendor orgno>_<name> without spaces',
    );
  });
});
