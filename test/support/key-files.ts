import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPublicJwk } from '../../shared/domain/public-jwk.js';

/** A real RSA-2048 private key in a PKCS#8 PEM file, as `SIGNING_KEY=file:<path>` reads it. */
export interface KeyFile {
  kid: string;
  /** `file:<path>`, for `SIGNING_KEY`. */
  spec: string;
  /** The public JWK the broker publishes and registers. */
  jwk: RsaPublicJwk;
  /** The key itself (e.g. behind a KMS mock that must agree with the file). */
  privateKey: KeyObject;
}

export interface KeyFiles {
  dir: string;
  key(kid: string): Promise<KeyFile>;
  remove(): Promise<void>;
}

/** A temporary directory of key files; `remove()` it in `afterAll`. */
export async function keyFiles(): Promise<KeyFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'broker-keys-'));
  return {
    dir,
    async key(kid) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const path = join(dir, `${kid}.pem`);
      await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const { n, e } = publicKey.export({ format: 'jwk' });
      return {
        kid,
        privateKey,
        spec: `file:${path}`,
        jwk: { kty: 'RSA', kid, n: n as string, e: e as string, alg: 'RS256', use: 'sig' },
      };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The variables `npm start` and `npm run keys` read for an active (and next) key file. */
export function signingEnv(active: KeyFile, next?: KeyFile): Record<string, string> {
  return {
    SIGNING_KEY: active.spec,
    SIGNING_KID: active.kid,
    ...(next ? { SIGNING_KEY_NEXT: next.spec, SIGNING_KID_NEXT: next.kid } : {}),
  };
}
