import { generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import type { KMSClient } from '@aws-sdk/client-kms';
import { loadFileGrantSigner } from './file-grant-signer.js';
import { createKmsGrantSigner } from './kms-grant-signer.js';
import type { KeyedGrantSigner, KeyedSigningKeySet } from './sealing-secret.js';

/** Where a signing key lives: a key file, or a KMS key (id, ARN, alias name or alias ARN). */
export type SigningKeySpec = { kind: 'file'; path: string } | { kind: 'kms'; keyId: string };

const EXPECTED_FORMS = 'expected file:<path> or kms:<key id | key ARN | alias/name | alias ARN>';

// Key id (UUID or multi-Region mrk-…), alias name, or a key/alias ARN in any partition.
const KMS_KEY_REF =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/(?:mrk-)?[0-9a-f-]+|alias\/[A-Za-z0-9/_-]+))$/;

/** Parses `file:<path>` or `kms:<key>`; anything else is an Error naming the accepted forms. */
export function parseSigningKeySpec(spec: string): SigningKeySpec {
  const separator = spec.indexOf(':');
  const scheme = separator === -1 ? '' : spec.slice(0, separator);
  const rest = spec.slice(separator + 1).trim();
  if (scheme === 'file' && rest !== '') return { kind: 'file', path: rest };
  if (scheme === 'kms' && KMS_KEY_REF.test(rest)) return { kind: 'kms', keyId: rest };
  throw new Error(`Invalid signing key spec; ${EXPECTED_FORMS}`);
}

export interface CreateGrantSignerOptions {
  kid?: string | undefined;
  /** Called only for `kms:` specs, so file-only setups never build an AWS client. */
  kmsClient?: (() => KMSClient) | undefined;
}

/** Builds the {@link GrantSigner} a spec names. */
export function createGrantSigner(
  spec: string,
  options: CreateGrantSignerOptions = {},
): Promise<KeyedGrantSigner> {
  return grantSigner(spec, options, loadFileGrantSigner);
}

type LoadFileSigner = typeof loadFileGrantSigner;

async function grantSigner(
  spec: string,
  options: CreateGrantSignerOptions,
  loadFile: LoadFileSigner | undefined,
): Promise<KeyedGrantSigner> {
  const parsed = parseSigningKeySpec(spec);
  if (parsed.kind === 'file') {
    if (!loadFile) throw new Error(KMS_ONLY);
    return loadFile(parsed.path, options.kid);
  }
  if (!options.kmsClient) throw new Error('A kms: signing key spec needs a KMS client');
  return createKmsGrantSigner({
    client: options.kmsClient(),
    keyId: parsed.keyId,
    kid: options.kid,
  });
}

const KMS_ONLY =
  'The Lambda signs with KMS only (SIGNING_KEY=kms:<key>): a file: key is for the local server and the CLIs';

export interface SigningKeySetOptions {
  active: { spec: string; kid?: string | undefined };
  /** The key being rolled in: published so Maskinporten registration can happen before the switch. */
  next?: { spec: string; kid?: string | undefined } | undefined;
  kmsClient?: (() => KMSClient) | undefined;
}

/**
 * The active signer and the keys to publish. During a rotation the next key is published next to
 * the active one; both must have distinct `kid`s, since Maskinporten looks keys up by `kid`.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export function createSigningKeySet(options: SigningKeySetOptions): Promise<KeyedSigningKeySet> {
  return signingKeySet(options, loadFileGrantSigner);
}

/**
 * {@link createSigningKeySet} for KMS keys only, as the Lambda has them (infra configures KMS key
 * ARNs, and its asset holds no key file): the file-key loader stays out of the Lambda bundle.
 */
export function createKmsSigningKeySet(options: SigningKeySetOptions): Promise<KeyedSigningKeySet> {
  return signingKeySet(options, undefined);
}

async function signingKeySet(
  options: SigningKeySetOptions,
  loadFile: LoadFileSigner | undefined,
): Promise<KeyedSigningKeySet> {
  const kmsClient = options.kmsClient && once(options.kmsClient);
  const active = await grantSigner(
    options.active.spec,
    { kid: options.active.kid, kmsClient },
    loadFile,
  );
  if (!options.next) return { active, published: [active] };
  const next = await grantSigner(options.next.spec, { kid: options.next.kid, kmsClient }, loadFile);
  if (next.kid === active.kid) {
    throw new Error(`The next signing key has the same kid as the active one (${active.kid})`);
  }
  return { active, published: [active, next] };
}

const RSA_PEM_OPTIONS = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

/** A fresh RSA-2048 PKCS#8 PEM private key, e.g. for the local sandbox. Blocks while generating. */
export function generateRsaKeyPem(): string {
  return generateKeyPairSync('rsa', RSA_PEM_OPTIONS).privateKey;
}

/** {@link generateRsaKeyPem} on the libuv thread pool, leaving the event loop free. */
export async function generateRsaKeyPemAsync(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', RSA_PEM_OPTIONS);
  return privateKey;
}

function once<T>(factory: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: factory() };
    return made.value;
  };
}
