import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BrokerResponseError,
  BrokerSigningError,
  createBrokerClient,
} from '../../client/src/index.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { type LocalBroker, startLocalBroker } from './support/local-broker.js';
import { type SigV4Verifier, startSigV4Verifier } from './support/sigv4-verifier.js';

// The client's SigV4 signing, proven rather than assumed: a verifier on loopback recomputes every
// signature from known test credentials (as API Gateway's AWS_IAM authorisation does), refuses a
// request changed after signing, and forwards what verifies to the real local broker.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const ORG = DEMO.customers.standard.orgNo;
const REGION = 'eu-north-1';
const ROLE = {
  accessKeyId: 'ASIATESTROLE00000001',
  secretAccessKey: 'test-secret-key-for-the-verifier-only-1',
  sessionToken: 'test-session-token-1',
};
const ROTATED = {
  accessKeyId: 'ASIATESTROLE00000002',
  secretAccessKey: 'test-secret-key-for-the-verifier-only-2',
  sessionToken: 'test-session-token-2',
};
const STATIC_KEY = {
  accessKeyId: 'AKIATESTSTATIC000001',
  secretAccessKey: 'test-secret-key-for-the-verifier-only-3',
};

let unique = 0;
/** A resource no other test asked for: a cold key at the broker and in the client. */
const freshResource = () => `https://api.example.no/sigv4/${++unique}`;

describe('SigV4 signing, verified', () => {
  let broker: LocalBroker;
  let verifier: SigV4Verifier;

  beforeAll(async () => {
    broker = await startLocalBroker();
    verifier = await startSigV4Verifier({
      region: REGION,
      stage: 'test',
      credentials: [ROLE, ROTATED, STATIC_KEY],
      forwardTo: broker.url,
    });
  });
  afterAll(async () => {
    await verifier.close();
    await broker.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const signedClient = (options: Partial<Parameters<typeof createBrokerClient>[0]> = {}) =>
    createBrokerClient({
      baseUrl: verifier.baseUrl,
      signing: 'sigv4',
      region: REGION,
      credentials: ROLE,
      ...options,
    });

  it('signs with the session credentials, including the stage path and the session token', async () => {
    const before = verifier.seen.length;

    const token = await signedClient().getToken({
      scope: SCOPE,
      org: ORG,
      resource: freshResource(),
    });

    expect(token.accessToken.split('.')).toHaveLength(3);
    expect(token.source).toBe('maskinporten');
    expect(verifier.seen.slice(before)).toEqual([
      { accessKeyId: ROLE.accessKeyId, verified: true },
    ]);
  });

  it('signs with long-term keys (no session token)', async () => {
    const before = verifier.seen.length;

    await signedClient({ credentials: STATIC_KEY }).getToken({
      scope: SCOPE,
      resource: freshResource(),
    });

    expect(verifier.seen.slice(before)).toEqual([
      { accessKeyId: STATIC_KEY.accessKeyId, verified: true },
    ]);
  });

  const BODY_TAMPERED = (init: RequestInit) =>
    String(init.body).replace(SCOPE, 'skatteetaten:mvameldinger');
  const withHeaders = (init: RequestInit, changes: Record<string, string>): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...changes },
  });

  it.each([
    [
      'the body',
      (init: RequestInit) => ({ ...init, body: BODY_TAMPERED(init) }),
      'x-amz-content-sha256 does not match the body',
    ],
    [
      'the body and its hash header',
      (init: RequestInit) =>
        withHeaders(
          { ...init, body: BODY_TAMPERED(init) },
          {
            'x-amz-content-sha256': createHash('sha256').update(BODY_TAMPERED(init)).digest('hex'),
          },
        ),
      'signature does not match',
    ],
    [
      'a signed header',
      (init: RequestInit) =>
        withHeaders(init, { 'content-type': 'application/json; charset=utf-8' }),
      'signature does not match',
    ],
    [
      'the date',
      (init: RequestInit) =>
        withHeaders(init, {
          'x-amz-date': shiftAmzDate(
            (init.headers as Record<string, string>)['x-amz-date'] ?? '',
            1,
          ),
        }),
      'signature does not match',
    ],
    [
      'the session token',
      (init: RequestInit) => withHeaders(init, { 'x-amz-security-token': 'another-session' }),
      'bad session token',
    ],
  ])(
    'refuses a request whose %s changed after signing, and does not retry the 403',
    async (_what, tamper, reason) => {
      const before = verifier.seen.length;
      const brokerBefore = broker.tokenRequests();
      const tampering: typeof fetch = (input, init) => fetch(input, tamper(init ?? {}));

      const error = await signedClient({ fetch: tampering })
        .getToken({ scope: SCOPE, org: ORG, resource: freshResource() })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(BrokerResponseError);
      expect(error).toMatchObject({ status: 403, error: 'access_denied', attempts: 1 });
      expect(verifier.seen.slice(before)).toEqual([
        { accessKeyId: ROLE.accessKeyId, verified: false, reason },
      ]);
      expect(broker.tokenRequests()).toBe(brokerBefore);
    },
  );

  it('refuses a request sent to another path than the one signed', async () => {
    const before = verifier.seen.length;
    const elsewhere: typeof fetch = (input, init) =>
      fetch(String(input).replace('/test/v1/token', '/test/v1/token/'), init);

    const error = await signedClient({ fetch: elsewhere })
      .getToken({ scope: SCOPE, resource: freshResource() })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 403, attempts: 1 });
    expect(verifier.seen.slice(before)).toEqual([
      { accessKeyId: ROLE.accessKeyId, verified: false, reason: 'signature does not match' },
    ]);
  });

  it('is refused when signed with a secret the verifier does not hold', async () => {
    const error = await signedClient({ credentials: { ...ROLE, secretAccessKey: 'wrong' } })
      .getToken({ scope: SCOPE, resource: freshResource() })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 403, error: 'access_denied' });
    expect(verifier.seen.at(-1)).toMatchObject({
      verified: false,
      reason: 'signature does not match',
    });
  });

  it('sends no signature at all with signing "none", and the verifier refuses that', async () => {
    const error = await signedClient({ signing: 'none' })
      .getToken({ scope: SCOPE, resource: freshResource() })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 403 });
    expect(verifier.seen.at(-1)).toEqual({
      verified: false,
      reason: 'missing or malformed Authorization',
    });
  });

  it('resolves credentials lazily, once, and again when they are about to expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    const provider = vi
      .fn()
      .mockResolvedValueOnce({ ...ROLE, expiration: new Date('2026-11-30T12:15:00Z') })
      .mockResolvedValueOnce({ ...ROTATED, expiration: new Date('2026-11-30T13:00:00Z') });
    const client = signedClient({ credentials: provider });
    expect(provider).not.toHaveBeenCalled();
    const before = verifier.seen.length;

    await client.getToken({ scope: SCOPE, resource: freshResource() });
    await client.getToken({ scope: SCOPE, resource: freshResource() });
    // Within five minutes of expiry the SDK's rule treats them as expired.
    vi.setSystemTime(new Date('2026-11-30T12:11:00Z'));
    await client.getToken({ scope: SCOPE, resource: freshResource() });

    expect(provider).toHaveBeenCalledTimes(2);
    expect(verifier.seen.slice(before).map((seen) => seen.accessKeyId)).toEqual([
      ROLE.accessKeyId,
      ROLE.accessKeyId,
      ROTATED.accessKeyId,
    ]);
    expect(verifier.seen.slice(before).every((seen) => seen.verified)).toBe(true);
  });

  it('throws BrokerSigningError, without calling the broker, when no credentials resolve', async () => {
    const before = verifier.seen.length;
    const client = signedClient({
      credentials: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });

    const error = await client.getToken({ scope: SCOPE }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerSigningError);
    expect(error).toMatchObject({
      code: 'ERR_BROKER_SIGNING',
      message: 'could not sign the request: Could not load credentials from any providers',
    });
    expect(verifier.seen.length).toBe(before);
    expect(client.stats().brokerRequests).toBe(0);
  });
});

/** `x-amz-date` moved by `seconds`. */
function shiftAmzDate(value: string, seconds: number): string {
  const iso = value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  return new Date(Date.parse(iso) + seconds * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
