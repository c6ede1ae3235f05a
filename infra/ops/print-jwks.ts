import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsPublicJwk } from '../../shared/adapters/signing/kms-grant-signer.js';
import type { PublicSigningJwk } from '../../shared/ports/grant-signer.js';
import {
  type BrokerEnvironmentConfig,
  ENVIRONMENTS,
  liveSigningKeys,
  resolveEnvironment,
  signingKeyAlias,
} from '../config.js';

const USAGE = `Usage: npm run jwks -- --env <test|prod> [--key <name>] [--key-id <KMS key id, ARN or alias>] [--kid <kid>] [--region <region>]

Prints the public JWK set of the environment's live signing keys (the active one and, during
rotation, the next one), read from KMS by alias, in the form Maskinporten's self-service and API
accept: {"keys":[{"kty","e","n","kid","alg":"RS256","use":"sig"}]}. The kid is the RFC 7638
thumbprint the broker signs with unless --kid overrides it (use it only if the environment's secret
sets "kid"/"kidNext"; it then applies to the single key printed with --key or --key-id).
Needs AWS credentials allowed kms:GetPublicKey on the keys.`;

export interface PrintJwksDeps {
  /** A KMS client; default: one for the environment's region from the default credential chain. */
  readonly kmsClient?: KMSClient;
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr?: { write(chunk: string): unknown };
  /** The environments to choose from (tests); default: `infra/config.ts`. */
  readonly environments?: Readonly<Record<string, BrokerEnvironmentConfig>>;
}

/** Runs the command; returns the exit code (0 ok, 1 KMS or key failure, 2 usage error). */
export async function runPrintJwks(argv: readonly string[], deps: PrintJwksDeps): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  let request: JwksRequest | 'help';
  try {
    request = parseRequest(argv, deps.environments ?? ENVIRONMENTS);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (request === 'help') {
    deps.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const client = deps.kmsClient ?? new KMSClient({ region: request.region });
  try {
    const keys: PublicSigningJwk[] = [];
    for (const keyId of request.keyIds) {
      const jwk = await kmsPublicJwk(client, keyId, request.kid);
      keys.push({ kty: jwk.kty, e: jwk.e, n: jwk.n, kid: jwk.kid, alg: jwk.alg, use: jwk.use });
    }
    deps.stdout.write(`${JSON.stringify({ keys }, null, 2)}\n`);
    return 0;
  } catch (error) {
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    stderr.write(`Could not read the public key: ${(error as Error).message}${detail}\n`);
    return 1;
  } finally {
    if (!deps.kmsClient) client.destroy();
  }
}

interface JwksRequest {
  readonly keyIds: readonly string[];
  readonly region: string;
  readonly kid?: string;
}

function parseRequest(
  argv: readonly string[],
  environments: Readonly<Record<string, BrokerEnvironmentConfig>>,
): JwksRequest | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      kid: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const config = resolveEnvironment(values.env, environments);
  if (values.key !== undefined && values['key-id'] !== undefined) {
    throw new Error('Use either --key or --key-id, not both');
  }
  let keyIds: string[];
  if (values['key-id'] !== undefined) {
    keyIds = [values['key-id']];
  } else if (values.key !== undefined) {
    const name = values.key;
    if (!config.signingKeys.some((key) => key.name === name)) {
      const names = config.signingKeys.map((key) => key.name).join(', ');
      throw new Error(`Environment "${config.name}" has no signing key "${name}" (keys: ${names})`);
    }
    keyIds = [signingKeyAlias(config.name, name)];
  } else {
    const { active, next } = liveSigningKeys(config);
    keyIds = [active, ...(next ? [next] : [])].map((key) => signingKeyAlias(config.name, key.name));
  }
  if (values.kid !== undefined && keyIds.length !== 1) {
    throw new Error('--kid applies to one key: add --key <name> or --key-id <id>');
  }
  return {
    keyIds,
    region: values.region ?? config.region,
    ...(values.kid !== undefined ? { kid: values.kid } : {}),
  };
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  process.exitCode = await runPrintJwks(process.argv.slice(2), { stdout: process.stdout });
}
