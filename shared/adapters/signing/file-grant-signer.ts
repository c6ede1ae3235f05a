import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createCompactSigner, type SignatureFunction } from './jws.js';
import { resolveKid, toPublicSigningJwk } from './kid.js';
import { type KeyedGrantSigner, SEALING_SECRET_LABEL } from './sealing-secret.js';

/** The smallest RSA modulus we sign with; NIST and Digdir's own tooling use 2048 as the floor. */
const MIN_RSA_BITS = 2048;

export interface FileGrantSignerOptions {
  /** A PKCS#8 PEM private key, a private RSA JWK (JSON), or a JWK set with one private key. */
  key: string;
  /** Overrides the JWK's own `kid` and the RFC 7638 thumbprint. */
  kid?: string | undefined;
}

interface ParsedKey {
  privateKey: KeyObject;
  jwkKid?: unknown;
}

/**
 * A {@link GrantSigner} holding its RSA private key in memory, for the local sandbox and for
 * deployments without KMS. Signs RS256 with node:crypto; PKCS#1 v1.5 is the default padding for
 * RSA keys and is deterministic. Error messages describe the key, never quote it.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
export async function createFileGrantSigner(
  options: FileGrantSignerOptions,
): Promise<KeyedGrantSigner> {
  const { privateKey, jwkKid } = parseKeyText(options.key);
  checkRsaKey(privateKey);
  const publicKey = createPublicKey(privateKey);
  checkKeyPair(privateKey, publicKey);
  const kid = await resolveKid(publicKey, { configured: options.kid, fromJwk: jwkKid });
  const jwk = toPublicSigningJwk(publicKey, kid);

  const signature: SignatureFunction = async (signingInput) =>
    sign(
      'sha256',
      typeof signingInput === 'string' ? Buffer.from(signingInput, 'latin1') : signingInput,
      privateKey,
    );

  return {
    kid,
    sign: createCompactSigner(kid, signature),
    publicJwk: async () => ({ ...jwk }),
    sealingSecret: (deadline) => signature(SEALING_SECRET_LABEL, deadline),
  };
}

/** Reads a key file and builds a {@link createFileGrantSigner}; errors name the path only. */
export async function loadFileGrantSigner(path: string, kid?: string): Promise<KeyedGrantSigner> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new Error(`Cannot read signing key file ${path}: ${code}`, { cause: error });
  }
  try {
    return await createFileGrantSigner({ key: text, kid });
  } catch (error) {
    throw new Error(`Signing key file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseKeyText(text: string): ParsedKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return fromJwkJson(trimmed);
  if (trimmed.startsWith('-----BEGIN ')) return { privateKey: fromPem(trimmed) };
  throw new Error('Signing key is neither a PEM private key nor a JWK');
}

function fromPem(pem: string): KeyObject {
  const label = /^-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(pem)?.[1];
  if (label && /PUBLIC KEY|CERTIFICATE/.test(label)) {
    throw new Error(`Signing key PEM holds a ${label}; a private key is needed`);
  }
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new Error('Signing key PEM is encrypted; give an unencrypted PKCS#8 private key');
  }
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY') {
    throw new Error(
      `Signing key PEM label "${label ?? '?'}" is not supported; expected PRIVATE KEY`,
    );
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error('Signing key PEM cannot be parsed as a private key', { cause: error });
  }
}

function fromJwkJson(json: string): ParsedKey {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // No cause: JSON.parse messages quote the text around the error, i.e. key material.
    throw new Error('Signing key looks like a JWK but is not valid JSON');
  }
  if (isObject(value) && Array.isArray(value['keys']))
    return fromJwk(onlyPrivateKey(value['keys']));
  return fromJwk(value);
}

function onlyPrivateKey(keys: unknown[]): unknown {
  const privateKeys = keys.filter((key) => isObject(key) && key['d'] !== undefined);
  if (privateKeys.length === 1) return privateKeys[0];
  if (privateKeys.length === 0) {
    throw new Error(`Signing key JWK set holds no private key (${keys.length} public keys)`);
  }
  throw new Error(`Signing key JWK set holds ${privateKeys.length} private keys; expected one`);
}

function fromJwk(jwk: unknown): ParsedKey {
  if (!isObject(jwk)) throw new Error('Signing key JWK is not a JSON object');
  if (jwk['kty'] !== 'RSA') {
    throw new Error(`Signing key JWK has kty ${safeName(jwk['kty'])}; RS256 needs an RSA key`);
  }
  if (jwk['d'] === undefined) {
    throw new Error('Signing key JWK is a public key; a private key (with "d") is needed');
  }
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'RS256') {
    throw new Error(`Signing key JWK has alg ${safeName(jwk['alg'])}; grants are signed RS256`);
  }
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') {
    throw new Error(`Signing key JWK has use ${safeName(jwk['use'])}; expected "sig"`);
  }
  try {
    return {
      privateKey: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
      jwkKid: jwk['kid'],
    };
  } catch (error) {
    throw new Error('Signing key JWK is not a usable RSA private key', { cause: error });
  }
}

function checkRsaKey(privateKey: KeyObject): void {
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `Signing key is ${privateKey.asymmetricKeyType ?? 'not asymmetric'}; RS256 needs a plain RSA key`,
    );
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new Error(`Signing key is RSA-${bits}; at least ${MIN_RSA_BITS} bits are needed`);
  }
}

/** Catches a JWK whose private members do not belong to its `n`, before Maskinporten does. */
function checkKeyPair(privateKey: KeyObject, publicKey: KeyObject): void {
  const probe = Buffer.from('maskinporten-broker key check');
  let valid = false;
  try {
    valid = verify('sha256', probe, publicKey, sign('sha256', probe, privateKey));
  } catch {
    valid = false;
  }
  if (!valid)
    throw new Error('Signing key is inconsistent: it does not verify with its own public key');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Echoes a JWK member only when it is a short identifier, so a mangled file never leaks key text. */
function safeName(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,16}$/.test(value)
    ? `"${value}"`
    : 'missing or invalid';
}
