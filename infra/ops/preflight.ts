import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { type BrokerEnvironmentConfig, ENVIRONMENTS, resolveEnvironment } from '../config.js';
import { type CheckResult, type PreflightClients, runPreflightChecks } from './preflight-checks.js';

const USAGE = `Usage: npm run preflight -- --env <test|prod>

Checks, with the AWS credentials in the environment, that a deploy of the environment can succeed
and that the broker can run after it: the credentials' account, the caller policy file, Lambda
concurrency left after the function's reservation, the KMS RSA request quota (L-2AC98190), the
execute-api VPC endpoints in infra/config.ts, the CDK bootstrap, the roles named in access, that
the configuration secret no longer holds CloudFormation's placeholder, and that the active signing
key is registered and ready at Digdir (a real token request signed with it: run it as the ops
role). Prints what to fix.
Exit code: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.`;

export interface PreflightDeps {
  /** The SDK clients; default: clients for the environment's region, default credential chain. */
  readonly clients?: PreflightClients;
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr?: { write(chunk: string): unknown };
  /** The environments to choose from (tests); default: `infra/config.ts`. */
  readonly environments?: Readonly<Record<string, BrokerEnvironmentConfig>>;
}

/** Runs the command; returns the exit code. */
export async function runPreflight(argv: readonly string[], deps: PreflightDeps): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  let config: BrokerEnvironmentConfig;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { env: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      deps.stdout.write(`${USAGE}\n`);
      return 0;
    }
    config = resolveEnvironment(values.env, deps.environments ?? ENVIRONMENTS);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const clients = deps.clients ?? defaultClients(config.region);
  try {
    const results = await runPreflightChecks(config, clients);
    deps.stdout.write(report(config, results));
    return results.some((result) => result.status === 'fail') ? 1 : 0;
  } finally {
    if (!deps.clients) {
      for (const [name, client] of Object.entries(clients)) {
        if (name !== 'maskinporten') (client as { destroy(): void }).destroy();
      }
    }
  }
}

function defaultClients(region: string): PreflightClients {
  return {
    sts: new STSClient({ region }),
    lambda: new LambdaClient({ region }),
    serviceQuotas: new ServiceQuotasClient({ region }),
    ec2: new EC2Client({ region }),
    ssm: new SSMClient({ region }),
    iam: new IAMClient({ region }),
    secretsManager: new SecretsManagerClient({ region }),
    kms: new KMSClient({ region }),
  };
}

const LABEL = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' } as const;

/** One line per check, `fix:` under warnings and failures, and a verdict. */
export function report(config: BrokerEnvironmentConfig, results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.check.length));
  const lines = [`Preflight for ${config.name} (account ${config.account}, ${config.region})`];
  for (const result of results) {
    lines.push(`${LABEL[result.status]}  ${result.check.padEnd(width)}  ${result.detail}`);
    if (result.fix && result.status !== 'ok')
      lines.push(`      ${' '.repeat(width)}  fix: ${result.fix}`);
  }
  const failed = results.filter((result) => result.status === 'fail').length;
  const warned = results.filter((result) => result.status === 'warn').length;
  lines.push(
    failed > 0
      ? `${failed} failed, ${warned} warnings: fix the FAIL lines before npx cdk deploy -c env=${config.name} --all`
      : `Nothing failed (${warned} warnings).`,
  );
  return `${lines.join('\n')}\n`;
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  process.exitCode = await runPreflight(process.argv.slice(2), { stdout: process.stdout });
}
