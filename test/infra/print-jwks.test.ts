import { generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';
import { runPrintJwks } from '../../infra/ops/print-jwks.js';

const kmsMock = mockClient(KMSClient);
const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const keys = { current: rsaKey(), next: rsaKey() };
const der = (key: ReturnType<typeof rsaKey>) =>
  new Uint8Array(key.export({ format: 'der', type: 'spki' }));
const publicMembers = (key: ReturnType<typeof rsaKey>) => {
  const { n, e } = key.export({ format: 'jwk' });
  return { kty: 'RSA' as const, n: n as string, e: e as string };
};

const rotating: Record<string, BrokerEnvironmentConfig> = {
  test: {
    ...ENVIRONMENTS.test,
    signingKeys: [
      { name: 'k0', retired: true, kid: 'k0-kid' },
      { name: 'k1', active: true },
      { name: 'k2' },
    ],
  },
};

async function run(argv: string[], environments?: Record<string, BrokerEnvironmentConfig>) {
  let stdout = '';
  let stderr = '';
  const code = await runPrintJwks(argv, {
    kmsClient: new KMSClient({ region: 'eu-north-1' }),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    ...(environments ? { environments } : {}),
  });
  return { code, stdout, stderr };
}

describe('npm run jwks', () => {
  beforeEach(() => {
    kmsMock.reset();
    kmsMock.on(GetPublicKeyCommand).callsFake((input: { KeyId: string }) => ({
      KeyId: `arn:aws:kms:eu-north-1:111111111111:key/${input.KeyId.split('/').at(-1)}`,
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: der(input.KeyId.endsWith('k2') ? keys.next : keys.current),
    }));
  });
  afterEach(() => kmsMock.reset());

  it('prints the active key by alias as a JWK set with the RFC 7638 thumbprint as kid', async () => {
    const { code, stdout, stderr } = await run(['--env', 'test']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(kmsMock.commandCalls(GetPublicKeyCommand).map((c) => c.args[0].input.KeyId)).toEqual([
      'alias/maskinporten-broker/test/k2026a',
    ]);
    const members = publicMembers(keys.current);
    const kid = await calculateJwkThumbprint(members, 'sha256');
    expect(JSON.parse(stdout)).toStrictEqual({
      keys: [{ kty: 'RSA', e: members.e, n: members.n, kid, alg: 'RS256', use: 'sig' }],
    });
  });

  it('prints the active and the next key during rotation, never a retired one', async () => {
    const { code, stdout } = await run(['--env', 'test'], rotating);

    expect(code).toBe(0);
    expect(kmsMock.commandCalls(GetPublicKeyCommand).map((c) => c.args[0].input.KeyId)).toEqual([
      'alias/maskinporten-broker/test/k1',
      'alias/maskinporten-broker/test/k2',
    ]);
    const printed = JSON.parse(stdout).keys as { n: string; kid: string }[];
    expect(printed.map((key) => key.n)).toEqual([
      publicMembers(keys.current).n,
      publicMembers(keys.next).n,
    ]);
    expect(new Set(printed.map((key) => key.kid)).size).toBe(2);
  });

  it('takes a key id and a configured kid for one key', async () => {
    const { code, stdout } = await run(['--env', 'prod', '--key-id', 'alias/x', '--kid', 'mp-1']);

    expect(code).toBe(0);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)[0]?.args[0].input.KeyId).toBe('alias/x');
    expect(JSON.parse(stdout).keys[0].kid).toBe('mp-1');
  });

  it('selects one configured key by name', async () => {
    const { code } = await run(['--env', 'test', '--key', 'k2'], rotating);

    expect(code).toBe(0);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)[0]?.args[0].input.KeyId).toBe(
      'alias/maskinporten-broker/test/k2',
    );
  });

  it.each([
    [['--env', 'staging'], 'Unknown environment "staging": valid environments are test, prod'],
    [[], 'No environment selected'],
    [['--env', 'test', '--key', 'nope'], 'has no signing key "nope"'],
    [['--env', 'test', '--kid', 'x'], '--kid applies to one key'],
    [['--env', 'test', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv, argv.includes('--kid') ? rotating : undefined);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: npm run jwks');
  });

  it('exits 1 naming the KMS error, printing no JWK', async () => {
    kmsMock
      .on(GetPublicKeyCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    const { code, stdout, stderr } = await run(['--env', 'test']);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('KMS GetPublicKey failed: AccessDeniedException');
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await run(['--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('npm run jwks -- --env');
  });
});
