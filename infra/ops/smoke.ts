import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type CredentialsOption, RequestSigner } from '../../client/src/request-signer.js';
import {
  runSmokeChecks,
  type SmokeCheckResult,
  type SmokeTarget,
} from '../../functions/canary/smoke-checks.js';
import { type BrokerEnvironmentConfig, ENVIRONMENTS, resolveEnvironment } from '../config.js';

const USAGE = `Usage: npm run smoke -- --env <test|prod> [--api-id <id>] [--base-url <url>]... [--timeout <ms>]

Proves the private path after a deploy, from a machine that can reach the API's VPC endpoints:
through each VPC endpoint of infra/config.ts, https://{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com/{stage},
a SigV4-signed GET /v1/health and a POST /v1/token for the environment's smoke scope (smokeTest.scope),
signed with the AWS credentials of the environment (a role allowed execute-api:Invoke on those two
routes; the generated caller-policy rule "infra:smoke-test" lets the ops role and the canary ask for
the smoke scope). Prints each check, and why a failed one failed: DNS, connection, TLS, timeout, a 403
from API Gateway (resource policy or IAM) or from the broker's caller policy, a 5xx.

  --api-id <id>     the REST API id (default: the stack output ApiId of MaskinportenBroker-<env>-stateless)
  --base-url <url>  check this base URL instead of the VPC endpoints' (repeatable)
  --timeout <ms>    per request (default 10000)

Exit code: 0 every check passed, 1 a check failed, 2 usage error or the API id could not be found.`;

export interface SmokeDeps {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr?: { write(chunk: string): unknown };
  /** The environments to choose from (tests); default: `infra/config.ts`. */
  readonly environments?: Readonly<Record<string, BrokerEnvironmentConfig>>;
  /** Default: the AWS SDK's default credential chain. */
  readonly credentials?: CredentialsOption;
  readonly fetch?: typeof fetch;
  /** Default: the stack output `ApiId` through CloudFormation. */
  readonly lookupApiId?: (config: BrokerEnvironmentConfig) => Promise<string>;
}

interface SmokeArgs {
  config: BrokerEnvironmentConfig;
  apiId?: string;
  baseUrls: string[];
  timeoutMs?: number;
}

/** The arguments, checked; `help` for --help. Throws a message for a person on a usage error. */
function parse(
  argv: readonly string[],
  environments: Readonly<Record<string, BrokerEnvironmentConfig>>,
): SmokeArgs | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      'api-id': { type: 'string' },
      'base-url': { type: 'string', multiple: true },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const config = resolveEnvironment(values.env, environments);
  if (values.timeout !== undefined && !/^[1-9]\d{0,5}$/.test(values.timeout)) {
    throw new Error('--timeout must be a number of milliseconds');
  }
  const baseUrls = values['base-url'] ?? [];
  for (const url of baseUrls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new Error(`--base-url ${url} is not an http(s) URL`);
    }
  }
  return {
    config,
    baseUrls,
    ...(values['api-id'] === undefined ? {} : { apiId: values['api-id'] }),
    ...(values.timeout === undefined ? {} : { timeoutMs: Number(values.timeout) }),
  };
}

/** Runs the command; returns the exit code. */
export async function runSmoke(argv: readonly string[], deps: SmokeDeps): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  let args: SmokeArgs;
  try {
    const parsed = parse(argv, deps.environments ?? ENVIRONMENTS);
    if (parsed === 'help') {
      deps.stdout.write(`${USAGE}\n`);
      return 0;
    }
    args = parsed;
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { config } = args;

  let targets: SmokeTarget[];
  let apiId: string | undefined;
  if (args.baseUrls.length > 0) {
    targets = args.baseUrls.map((url) => ({ name: url, baseUrl: url }));
  } else {
    try {
      apiId = args.apiId ?? (await (deps.lookupApiId ?? stackApiId)(config));
    } catch (error) {
      stderr.write(
        `Could not find the API id of ${config.name}: ${(error as Error).message}\nPass --api-id <id> (the stack output ApiId).\n`,
      );
      return 2;
    }
    targets = invokeUrls(config, apiId);
  }

  deps.stdout.write(
    `Smoke test of ${config.name}${apiId ? `: API ${apiId}, stage ${config.name}` : ''}, ${config.region}, scope ${config.smokeTest.scope}\n`,
  );
  const report = await runSmokeChecks({
    targets,
    scope: config.smokeTest.scope,
    signer: new RequestSigner({ region: config.region, credentials: deps.credentials }),
    ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  deps.stdout.write(render(report.results));
  if (report.results.some((result) => result.kind === 'signing')) return 2;
  return report.ok ? 0 : 1;
}

/**
 * The VPC endpoint-specific host names of a private API: each endpoint associated with the API
 * gets a public DNS alias `{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com`, resolvable
 * without private DNS, and reachable only through that endpoint.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html
 */
export function invokeUrls(config: BrokerEnvironmentConfig, apiId: string): SmokeTarget[] {
  return config.network.executeApiVpcEndpointIds.map((vpceId) => ({
    name: vpceId,
    baseUrl: `https://${apiId}-${vpceId}.execute-api.${config.region}.amazonaws.com/${config.name}`,
  }));
}

async function stackApiId(config: BrokerEnvironmentConfig): Promise<string> {
  const client = new CloudFormationClient({ region: config.region });
  const stackName = `MaskinportenBroker-${config.name}-stateless`;
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const apiId = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'ApiId')?.OutputValue;
    if (!apiId) throw new Error(`${stackName} has no output ApiId`);
    return apiId;
  } finally {
    client.destroy();
  }
}

/** One line per check, and a verdict. */
export function render(results: readonly SmokeCheckResult[]): string {
  const width = Math.max(...results.map((result) => result.target.length));
  const lines = results.map((result) => {
    const label = result.ok ? 'OK  ' : 'FAIL';
    const what = result.ok ? result.detail : `${result.kind}: ${result.detail}`;
    return `${label}  ${result.target.padEnd(width)}  ${result.check.padEnd(6)}  ${what} (${result.ms} ms)`;
  });
  const failed = results.filter((result) => !result.ok).length;
  lines.push(
    failed === 0
      ? `All ${results.length} checks passed.`
      : `${failed} of ${results.length} checks failed.`,
  );
  return `${lines.join('\n')}\n`;
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  process.exitCode = await runSmoke(process.argv.slice(2), { stdout: process.stdout });
}
