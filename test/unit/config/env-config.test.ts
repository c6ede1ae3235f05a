import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type EnvConfig,
  isDeployedEnvironment,
  loadEnvConfig,
  requireUpstreamConfig,
} from '../../../shared/config/env-config.js';
import { ENV } from '../../../shared/config/env-names.js';

const DEFAULTS = {
  environment: 'local',
  deadlineMs: DEFAULT_DEADLINE_MS,
  sandboxTokenLifetime: 120,
  refusalCacheSeconds: 30,
  port: DEFAULT_PORT,
  host: DEFAULT_HOST,
};

const ISSUER = 'https://test.maskinporten.no/';

describe('loadEnvConfig', () => {
  it('is sandbox mode with defaults when nothing is set', () => {
    expect(loadEnvConfig({})).toStrictEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ deadlineMs: 6000, port: 8080, host: '127.0.0.1' });
  });

  it('treats blank values as unset, except a blank BROKER_POLICY_FILE', () => {
    const blank = Object.fromEntries(
      Object.values(ENV)
        .filter((name) => name !== ENV.policyFile)
        .map((name) => [name, '  ']),
    );
    expect(loadEnvConfig(blank)).toStrictEqual(DEFAULTS);
  });

  it.each(['', '  ', '\t'])(
    'refuses BROKER_POLICY_FILE set but blank (%j): never "no policy"',
    (value) => {
      expect(() => loadEnvConfig({ [ENV.policyFile]: value })).toThrow(
        'BROKER_POLICY_FILE is set but blank: name a caller policy file, or unset it for none',
      );
    },
  );

  it.each([
    ['0', 0],
    ['45', 45],
    ['300', 300],
  ])('reads BROKER_REFUSAL_CACHE_SECONDS=%s', (value, seconds) => {
    expect(loadEnvConfig({ [ENV.refusalCacheSeconds]: value }).refusalCacheSeconds).toBe(seconds);
  });

  it.each(['301', '-1', '1.5', 'soon'])('refuses BROKER_REFUSAL_CACHE_SECONDS=%s', (value) => {
    expect(() => loadEnvConfig({ [ENV.refusalCacheSeconds]: value })).toThrow(
      /BROKER_REFUSAL_CACHE_SECONDS must be a whole number from 0 to 300/,
    );
  });

  it('reads every variable, trimmed', () => {
    expect(
      loadEnvConfig({
        [ENV.issuer]: ` ${ISSUER} `,
        [ENV.clientId]: 'client-1',
        [ENV.signingKey]: 'kms:alias/broker',
        [ENV.signingKid]: 'kid-1',
        [ENV.signingKeyNext]: 'file:/keys/next.pem',
        [ENV.signingKidNext]: 'kid-2',
        [ENV.altinnPlatform]: 'https://platform.tt02.altinn.no',
        [ENV.tokenCacheTable]: 'tokens',
        [ENV.policyFile]: './policy.json',
        [ENV.policyParameter]: '/maskinporten-broker/test/caller-policy',
        [ENV.configSecret]: 'broker/test',
        [ENV.refusalCacheSeconds]: '10',
        [ENV.environment]: 'test',
        [ENV.deadlineMs]: '4000',
        [ENV.sandboxTokenLifetime]: '30',
        [ENV.port]: '9000',
        [ENV.host]: '0.0.0.0',
      }),
    ).toStrictEqual({
      issuer: ISSUER,
      clientId: 'client-1',
      signingKey: { spec: 'kms:alias/broker', kid: 'kid-1' },
      signingKeyNext: { spec: 'file:/keys/next.pem', kid: 'kid-2' },
      altinnPlatform: 'https://platform.tt02.altinn.no',
      tokenCacheTable: 'tokens',
      policyFile: './policy.json',
      policyParameter: '/maskinporten-broker/test/caller-policy',
      configSecret: 'broker/test',
      refusalCacheSeconds: 10,
      environment: 'test',
      deadlineMs: 4000,
      sandboxTokenLifetime: 30,
      port: 9000,
      host: '0.0.0.0',
    } satisfies EnvConfig);
  });

  it('names an environment with an issuer "unnamed" unless told', () => {
    expect(loadEnvConfig({ [ENV.issuer]: ISSUER }).environment).toBe('unnamed');
    expect(loadEnvConfig({ [ENV.issuer]: ISSUER, [ENV.environment]: 'prod' }).environment).toBe(
      'prod',
    );
    expect(loadEnvConfig({ [ENV.environment]: 'dev' }).environment).toBe('dev');
  });

  it('reads process.env by default', () => {
    vi.stubEnv(ENV.deadlineMs, '700');
    expect(loadEnvConfig().deadlineMs).toBe(700);
  });

  it.each([
    'https://test.maskinporten.no/',
    'https://maskinporten.no/',
    'http://127.0.0.1:9000/',
    'http://localhost:8080/maskinporten/',
    'http://[::1]:8080/',
  ])('accepts the issuer %s', (issuer) => {
    expect(loadEnvConfig({ [ENV.issuer]: issuer }).issuer).toBe(issuer);
  });

  it.each([
    [
      'http outside loopback',
      'http://maskinporten.no/',
      'MASKINPORTEN_ISSUER must use https (plain http only on loopback)',
    ],
    ['a loopback look-alike', 'http://127.0.0.1.evil.com/', 'MASKINPORTEN_ISSUER must use https'],
    ['not a URL', 'maskinporten.no', 'MASKINPORTEN_ISSUER is not a URL'],
    [
      'no trailing slash on a path',
      'https://test.maskinporten.no/mp',
      'MASKINPORTEN_ISSUER must end with "/"',
    ],
    [
      'no trailing slash on the bare host',
      'https://maskinporten.no',
      'MASKINPORTEN_ISSUER must end with "/"',
    ],
    ['a query', 'https://maskinporten.no/?x=/', 'MASKINPORTEN_ISSUER must end with "/"'],
    ['a fragment', 'https://maskinporten.no/#/', 'MASKINPORTEN_ISSUER must end with "/"'],
  ])('refuses an issuer with %s', (_, issuer, message) => {
    expect(() => loadEnvConfig({ [ENV.issuer]: issuer })).toThrow(TypeError);
    expect(() => loadEnvConfig({ [ENV.issuer]: issuer })).toThrow(message);
  });

  it.each([
    ['http://platform.tt02.altinn.no', 'ALTINN_PLATFORM_URL must use https'],
    ['platform.altinn.no', 'ALTINN_PLATFORM_URL is not a URL'],
  ])('refuses the Altinn platform %s', (url, message) => {
    expect(() => loadEnvConfig({ [ENV.altinnPlatform]: url })).toThrow(message);
  });

  it.each([
    [ENV.deadlineMs, '500', 'deadlineMs', 500],
    [ENV.deadlineMs, '30000', 'deadlineMs', 30_000],
    [ENV.sandboxTokenLifetime, '2', 'sandboxTokenLifetime', 2],
    [ENV.sandboxTokenLifetime, '86400', 'sandboxTokenLifetime', 86_400],
    [ENV.port, '0', 'port', 0],
    [ENV.port, '65535', 'port', 65_535],
    [ENV.port, ' 8081 ', 'port', 8081],
  ] as const)('reads %s=%j', (name, value, key, expected) => {
    expect(loadEnvConfig({ [name]: value })[key]).toBe(expected);
  });

  it.each([
    [ENV.deadlineMs, '499', 500, 30_000],
    [ENV.deadlineMs, '30001', 500, 30_000],
    [ENV.deadlineMs, 'abc', 500, 30_000],
    [ENV.deadlineMs, '1.5', 500, 30_000],
    [ENV.deadlineMs, '6s', 500, 30_000],
    [ENV.sandboxTokenLifetime, '1', 2, 86_400],
    [ENV.sandboxTokenLifetime, '86401', 2, 86_400],
    [ENV.port, '-1', 0, 65_535],
    [ENV.port, '65536', 0, 65_535],
    [ENV.port, 'http', 0, 65_535],
    [ENV.port, 'Infinity', 0, 65_535],
  ])('refuses %s=%j, naming the variable and the range', (name, value, min, max) => {
    expect(() => loadEnvConfig({ [name]: value })).toThrow(
      new TypeError(
        `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      ),
    );
  });

  it.each([
    [ENV.signingKey, ENV.signingKid, 'signingKey'],
    [ENV.signingKeyNext, ENV.signingKidNext, 'signingKeyNext'],
  ] as const)('reads %s with and without %s', (specName, kidName, key) => {
    expect(loadEnvConfig({ [specName]: 'file:/k.pem' })[key]).toStrictEqual({
      spec: 'file:/k.pem',
    });
    expect(loadEnvConfig({ [specName]: 'file:/k.pem', [kidName]: 'k1' })[key]).toStrictEqual({
      spec: 'file:/k.pem',
      kid: 'k1',
    });
  });

  it.each([
    [ENV.signingKid, ENV.signingKey],
    [ENV.signingKidNext, ENV.signingKeyNext],
  ])('refuses %s without %s', (kidName, specName) => {
    expect(() => loadEnvConfig({ [kidName]: 'k1' })).toThrow(
      new TypeError(`${kidName} is set but ${specName} is not`),
    );
  });
});

describe('the AWS settings: event source and token seal key', () => {
  const KEY_ARN = 'arn:aws:kms:eu-north-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('reads them as the stack sets them', () => {
    expect(
      loadEnvConfig({
        [ENV.apiId]: 'puhdx84jy9',
        [ENV.apiStage]: 'prod',
        [ENV.vpcEndpointIds]: 'vpce-0aaaaaaaaaaaaaaa1,vpce-05d0829ef39b4d2b8',
        [ENV.tokenCacheKmsKey]: KEY_ARN,
      }),
    ).toMatchObject({
      apiId: 'puhdx84jy9',
      apiStage: 'prod',
      vpcEndpointIds: ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-05d0829ef39b4d2b8'],
      tokenCacheKmsKey: KEY_ARN,
    });
  });

  it('accepts a key id or an alias for the seal key', () => {
    for (const ref of [
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      'alias/maskinporten-broker/test/token-seal',
    ]) {
      expect(loadEnvConfig({ [ENV.tokenCacheKmsKey]: ref }).tokenCacheKmsKey).toBe(ref);
    }
  });

  it.each([
    [ENV.apiId, 'PUHDX84JY9', 'BROKER_API_ID must be an API Gateway REST API id'],
    [ENV.apiId, 'puhdx84jy9-vpce-05d0829ef39b4d2b8', 'BROKER_API_ID must be'],
    [ENV.apiStage, 'prod stage', 'BROKER_API_STAGE must be an API Gateway stage name'],
    [
      ENV.vpcEndpointIds,
      'vpce-0aaaaaaaaaaaaaaa1, ',
      'BROKER_VPC_ENDPOINT_IDS must be comma-separated VPC endpoint ids (vpce-…), got ""',
    ],
    [ENV.vpcEndpointIds, 'vpc-6458d901', 'got "vpc-6458d901"'],
    [
      ENV.tokenCacheKmsKey,
      'kms:alias/x',
      'TOKEN_CACHE_KMS_KEY must be a KMS key ARN, key id or alias',
    ],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    expect(() => loadEnvConfig({ [name]: value })).toThrow(message);
  });

  it('calls an environment deployed when BROKER_ENVIRONMENT names one other than local', () => {
    expect(isDeployedEnvironment({ [ENV.environment]: 'test' })).toBe(true);
    expect(isDeployedEnvironment({ [ENV.environment]: 'prod' })).toBe(true);
    expect(isDeployedEnvironment({ [ENV.environment]: 'local' })).toBe(false);
    expect(isDeployedEnvironment({ [ENV.environment]: ' ' })).toBe(false);
    expect(isDeployedEnvironment({ [ENV.issuer]: ISSUER })).toBe(false);
  });
});

describe('loadEnvConfig: Maskinporten and Altinn of one environment', () => {
  const TEST_MP = 'https://test.maskinporten.no/';
  const PROD_MP = 'https://maskinporten.no/';
  const TT02 = 'https://platform.tt02.altinn.no';
  const PROD_ALTINN = 'https://platform.altinn.no';
  const load = (issuer: string, platform: string) =>
    loadEnvConfig({ [ENV.issuer]: issuer, [ENV.altinnPlatform]: platform });

  it.each([
    [TEST_MP, TT02],
    [PROD_MP, PROD_ALTINN],
    [PROD_MP, `${PROD_ALTINN}/`],
    ['https://TEST.maskinporten.no/', 'https://Platform.TT02.altinn.no'],
  ])('takes %s with %s', (issuer, platform) => {
    expect(load(issuer, platform)).toMatchObject({ issuer, altinnPlatform: platform });
  });

  it.each([
    [TEST_MP, PROD_ALTINN, 'test', 'production'],
    [PROD_MP, TT02, 'production', 'test'],
  ])('refuses %s with %s, naming both and the pairs that work', (issuer, platform, mp, altinn) => {
    expect(() => load(issuer, platform)).toThrow(
      `${ENV.issuer} (${issuer}, ${mp}) and ${ENV.altinnPlatform} (${platform}, ${altinn}) belong to different environments`,
    );
    expect(() => load(issuer, platform)).toThrow(
      'use https://test.maskinporten.no/ with https://platform.tt02.altinn.no, and https://maskinporten.no/ with https://platform.altinn.no',
    );
  });

  it.each([
    // The sandbox, and hosts whose environment the broker does not know: not checked.
    ['http://127.0.0.1:8080/sandbox/maskinporten/', PROD_ALTINN],
    [PROD_MP, 'http://127.0.0.1:8080/sandbox/altinn'],
    [TEST_MP, 'https://platform.at22.altinn.cloud'],
    ['https://maskinporten.example/', TT02],
  ])('does not judge a host it does not know: %s with %s', (issuer, platform) => {
    expect(load(issuer, platform)).toMatchObject({ issuer, altinnPlatform: platform });
  });
});

describe('requireUpstreamConfig', () => {
  it.each([
    [{}, 'MASKINPORTEN_ISSUER, MASKINPORTEN_CLIENT_ID, SIGNING_KEY'],
    [{ [ENV.issuer]: ISSUER }, 'MASKINPORTEN_CLIENT_ID, SIGNING_KEY'],
    [{ [ENV.clientId]: 'c' }, 'MASKINPORTEN_ISSUER, SIGNING_KEY'],
    [{ [ENV.issuer]: ISSUER, [ENV.clientId]: 'c' }, 'SIGNING_KEY'],
    [{ [ENV.signingKey]: 'kms:k' }, 'MASKINPORTEN_ISSUER, MASKINPORTEN_CLIENT_ID'],
  ])('lists every missing variable for %j', (env, missing) => {
    expect(() => requireUpstreamConfig(loadEnvConfig(env))).toThrow(
      new TypeError(`missing required environment variable(s): ${missing}`),
    );
  });

  it('returns the three values when all are set', () => {
    const config = loadEnvConfig({
      [ENV.issuer]: ISSUER,
      [ENV.clientId]: 'c',
      [ENV.signingKey]: 'kms:k',
      [ENV.signingKid]: 'kid',
    });
    expect(requireUpstreamConfig(config)).toStrictEqual({
      issuer: ISSUER,
      clientId: 'c',
      signingKey: { spec: 'kms:k', kid: 'kid' },
    });
  });
});
