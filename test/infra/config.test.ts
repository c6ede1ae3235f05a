import { describe, expect, it } from 'vitest';
import {
  type BrokerEnvironmentConfig,
  ENVIRONMENTS,
  EnvironmentConfigError,
  liveSigningKeys,
  resolveEnvironment,
  signingKeyAlias,
  validateEnvironment,
} from '../../infra/config.js';

const withChanges = (changes: Partial<BrokerEnvironmentConfig>): BrokerEnvironmentConfig => ({
  ...ENVIRONMENTS.test,
  ...changes,
});

describe('infra/config', () => {
  it.each(['test', 'prod'] as const)('%s is complete and valid', (name) => {
    expect(validateEnvironment(ENVIRONMENTS[name])).toEqual([]);
    expect(resolveEnvironment(name).name).toBe(name);
  });

  it('points test at Maskinporten test and TT02, prod at production', () => {
    expect(ENVIRONMENTS.test.maskinportenIssuer).toBe('https://test.maskinporten.no/');
    expect(ENVIRONMENTS.test.altinnPlatformUrl).toBe('https://platform.tt02.altinn.no');
    expect(ENVIRONMENTS.prod.maskinportenIssuer).toBe('https://maskinporten.no/');
    expect(ENVIRONMENTS.prod.altinnPlatformUrl).toBe('https://platform.altinn.no');
    expect(ENVIRONMENTS.prod.tableDeletionProtection).toBe(true);
  });

  it('names the valid environments for an unknown or missing one', () => {
    expect(() => resolveEnvironment('staging')).toThrow(
      'Unknown environment "staging": valid environments are test, prod',
    );
    expect(() => resolveEnvironment(undefined)).toThrow(
      /No environment selected: pass -c env=<name> \(valid: test, prod\)/,
    );
    expect(() => resolveEnvironment('toString')).toThrow(/Unknown environment "toString"/);
    expect(() => resolveEnvironment('staging')).toThrow(EnvironmentConfigError);
  });

  it('lists every problem of an incomplete environment', () => {
    const broken = withChanges({
      account: '',
      network: { vpcId: 'vpc-0aaaaaaaaaaaaaaa1', executeApiVpcEndpointIds: [] },
      maskinportenIssuer: 'http://test.maskinporten.no/',
    });
    expect(() => resolveEnvironment('test', { test: broken })).toThrow(
      /Environment "test" is incomplete or invalid[\s\S]*account must be a 12-digit[\s\S]*maskinportenIssuer[\s\S]*executeApiVpcEndpointIds/,
    );
  });

  it.each([
    [[{ name: 'a' }], 'exactly one key must be active'],
    [
      [
        { name: 'a', active: true },
        { name: 'b', active: true },
      ],
      'exactly one key must be active',
    ],
    [[{ name: 'a', active: true }, { name: 'b' }, { name: 'c' }], 'at most one key may be next'],
    [
      [
        { name: 'a', active: true },
        { name: 'a', retired: true },
      ],
      'names must be unique',
    ],
    [[{ name: 'K 1', active: true }], 'names must be lowercase'],
  ])('rejects signing keys %j', (signingKeys, problem) => {
    expect(validateEnvironment(withChanges({ signingKeys })).join('\n')).toContain(problem);
  });

  it('finds the active and next key, ignoring retired ones', () => {
    const rotating = withChanges({
      signingKeys: [{ name: 'old', retired: true }, { name: 'cur', active: true }, { name: 'new' }],
    });
    expect(liveSigningKeys(rotating)).toEqual({
      active: { name: 'cur', active: true },
      next: { name: 'new' },
    });
    expect(liveSigningKeys(ENVIRONMENTS.test).next).toBeUndefined();
    expect(signingKeyAlias('prod', 'k2026a')).toBe('alias/maskinporten-broker/prod/k2026a');
  });
});
