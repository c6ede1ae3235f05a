import { constants, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';

/** An RSA client key as a test holds it: the private half signs, the public JWK is registered. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** A KeyObject (not a WebCrypto key) so one key can sign RS256, RS384 and RS512. */
export async function createTestKey(kid: string = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

/** A clock tests move by hand; starts at a whole second so `iat` arithmetic is exact. */
export function manualClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    set(ms: number) {
      now = ms;
    },
    advance(ms: number) {
      now += ms;
    },
    seconds: () => Math.floor(now / 1000),
  });
}

export type ManualClock = ReturnType<typeof manualClock>;

const HASHES: Record<string, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
};

/**
 * Signs any header and payload with node:crypto (RS* or PS256), bypassing jose's own header
 * checks, so tests can build grants the broker would never send.
 */
export function signJws(
  key: KeyObject,
  payload: Record<string, unknown>,
  header: Record<string, unknown>,
): Promise<string> {
  const alg = typeof header['alg'] === 'string' ? header['alg'] : 'RS256';
  const hash = HASHES[alg];
  if (!hash) throw new Error(`signJws cannot sign ${alg}`);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ ...header, alg })}.${encode(payload)}`;
  const signature = sign(hash, Buffer.from(input), {
    key,
    ...(alg.startsWith('PS') ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {}),
  });
  return Promise.resolve(`${input}.${signature.toString('base64url')}`);
}

export interface GrantSpec {
  issuer: string;
  clientId: string;
  key: TestKey;
  /** Epoch seconds; the grant's `iat`. */
  now: number;
  scope?: string;
  /** Merged over the defaults; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Merged over `{alg: 'RS256', kid, typ: 'JWT'}`; `undefined` removes a member. */
  header?: Record<string, unknown>;
}

/** A valid grant per Digdir's rules, with overrides to break one rule at a time. */
export function signGrant(spec: GrantSpec): Promise<string> {
  const claims = withoutUndefined({
    aud: spec.issuer,
    iss: spec.clientId,
    scope: spec.scope ?? 'krr:global/kontaktinformasjon.read',
    iat: spec.now,
    exp: spec.now + 60,
    jti: randomUUID(),
    ...spec.claims,
  });
  const header = withoutUndefined({ alg: 'RS256', kid: spec.key.kid, typ: 'JWT', ...spec.header });
  return signJws(spec.key.privateKey, claims, header);
}

export const systemUserDetails = (orgNo: string, externalRef?: string) => [
  {
    type: 'urn:altinn:systemuser',
    systemuser_org: { authority: 'iso6523-actorid-upis', ID: `0192:${orgNo}` },
    externalRef,
  },
];

export interface TokenAnswer {
  status: number;
  contentType: string | null;
  json: Record<string, unknown>;
}

/** POSTs a jwt-bearer form (or any `form`) to the token endpoint, with a short timeout. */
export async function postToken(
  tokenEndpoint: string,
  form: Record<string, string> | string,
  init: { contentType?: string; timeoutMs?: number } = {},
): Promise<TokenAnswer> {
  const body =
    typeof form === 'string'
      ? form
      : new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', ...form });
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    body: body.toString(),
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: response.status, contentType: response.headers.get('content-type'), json };
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
