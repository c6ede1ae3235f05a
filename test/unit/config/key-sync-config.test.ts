import { describe, expect, it } from 'vitest';
import { loadKeySyncConfig } from '../../../shared/config/key-sync-config.js';

const ARN = 'arn:aws:kms:eu-north-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ENV = {
  SIGNING_KEY: `kms:${ARN}`,
  MASKINPORTEN_ADMIN_URL: 'https://api.test.samarbeid.digdir.no/api/v1/',
  BROKER_URL: 'https://abc-vpce-1.execute-api.eu-north-1.amazonaws.com/test',
  BROKER_CONFIG_SECRET: 'maskinporten-broker/test/config',
  BROKER_ENVIRONMENT: 'test',
};

describe('loadKeySyncConfig', () => {
  it('reads the keys, the retired keys and where Digdir and the broker are', () => {
    expect(
      loadKeySyncConfig({
        ...ENV,
        SIGNING_KEY_NEXT: 'kms:alias/maskinporten-broker/test/k2026b',
        SIGNING_KID_NEXT: 'next-kid',
        SIGNING_KEYS_RETIRED: JSON.stringify([{ kid: 'k-2025', keyId: ARN }]),
        KEY_EXPIRY_WARNING_DAYS: '45',
      }),
    ).toEqual({
      environment: 'test',
      active: { keyId: ARN },
      next: { keyId: 'alias/maskinporten-broker/test/k2026b', kid: 'next-kid' },
      retired: [{ kid: 'k-2025', keyId: ARN }],
      adminUrl: ENV.MASKINPORTEN_ADMIN_URL,
      brokerUrl: ENV.BROKER_URL,
      configSecret: ENV.BROKER_CONFIG_SECRET,
      expiryWarningDays: 45,
    });
  });

  it('defaults: no next key, no retired keys, a 30-day warning', () => {
    expect(loadKeySyncConfig(ENV)).toMatchObject({ retired: [], expiryWarningDays: 30 });
    expect(loadKeySyncConfig(ENV).next).toBeUndefined();
  });

  it.each([
    [{ SIGNING_KEY: '' }, 'missing required environment variable(s): SIGNING_KEY'],
    [
      { BROKER_URL: '', MASKINPORTEN_ADMIN_URL: '' },
      'missing required environment variable(s): MASKINPORTEN_ADMIN_URL, BROKER_URL',
    ],
    [{ SIGNING_KEY: 'file:/keys/k.pem' }, 'SIGNING_KEY must be a kms: key for the key sync'],
    [{ BROKER_URL: 'http://broker.internal/test' }, 'BROKER_URL must use https'],
    [{ SIGNING_KEYS_RETIRED: '[{"kid":"a b","keyId":"x"}]' }, 'SIGNING_KEYS_RETIRED must be [{'],
    [{ SIGNING_KEYS_RETIRED: 'k-2025' }, 'SIGNING_KEYS_RETIRED must be JSON'],
    [{ KEY_EXPIRY_WARNING_DAYS: '0' }, 'KEY_EXPIRY_WARNING_DAYS must be a whole number of days'],
  ])('refuses %j', (change, message) => {
    expect(() => loadKeySyncConfig({ ...ENV, ...change })).toThrow(message);
  });
});
