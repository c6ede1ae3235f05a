import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type CapacityFigures,
  type CapacityInputs,
  capacityModel,
  type Rate,
} from '../capacity-model.js';
import { type BrokerEnvironmentConfig, ENVIRONMENTS, resolveEnvironment } from '../config.js';

const USAGE = `Usage: npm run capacity -- --customers N --active-per-hour N --scopes N --lifetime S
         --callers N --requests-per-caller-per-min N [--client-cache] [--peak-factor F] [--env prod|test]

Prints, per hour and at peak, what the traffic costs: broker (API Gateway) requests, Maskinporten
token requests, KMS Sign calls against the RSA quota, DynamoDB units, Lambda invocations and
concurrency, and the cost; then which limit of the environment (infra/config.ts: stage throttle,
reserved concurrency; AWS default quotas) the traffic meets first. The formulas are in
infra/capacity-model.ts and the README's "Capacity" section. Exit code 0, or 2 on a usage error.`;

const NUMBER_OPTIONS = {
  customers: 'customers',
  'active-per-hour': 'activePerHour',
  scopes: 'scopes',
  lifetime: 'lifetime',
  callers: 'callers',
  'requests-per-caller-per-min': 'requestsPerCallerPerMin',
} as const;

/** Runs the command; returns the exit code. */
export function runCapacity(
  argv: readonly string[],
  out: { write(chunk: string): unknown },
  environments: Readonly<Record<string, BrokerEnvironmentConfig>> = ENVIRONMENTS,
): number {
  let inputs: CapacityInputs;
  let config: BrokerEnvironmentConfig;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(
          Object.keys(NUMBER_OPTIONS).map((name) => [name, { type: 'string' }]),
        ),
        'client-cache': { type: 'boolean' },
        'peak-factor': { type: 'string' },
        env: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values['help']) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    const numbers: Record<string, number> = {};
    for (const [flag, field] of Object.entries(NUMBER_OPTIONS)) {
      numbers[field] = positiveNumber((values as Record<string, unknown>)[flag], `--${flag}`);
    }
    const peak = values['peak-factor'];
    inputs = {
      ...(numbers as Omit<CapacityInputs, 'clientCache' | 'peakFactor'>),
      clientCache: values['client-cache'] === true,
      peakFactor: peak === undefined ? undefined : positiveNumber(peak, '--peak-factor'),
    };
    if (inputs.activePerHour > inputs.customers) {
      throw new TypeError('--active-per-hour cannot exceed --customers');
    }
    config = resolveEnvironment(values['env'] ?? 'prod', environments);
  } catch (error) {
    out.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  out.write(formatCapacity(inputs, config, capacityModel(inputs, config)));
  return 0;
}

function positiveNumber(value: unknown, flag: string): number {
  const number = typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number <= 0)
    throw new TypeError(`${flag} must be a positive number`);
  return number;
}

/** The report `npm run capacity` prints. */
export function formatCapacity(
  inputs: CapacityInputs,
  config: BrokerEnvironmentConfig,
  figures: CapacityFigures,
): string {
  const f = figures;
  const rows: [string, Rate][] = [
    ['caller requests needing a token', f.callerRequests],
    ['broker requests (API Gateway)', f.brokerRequests],
    ['Maskinporten token requests', f.maskinportenRequests],
    ['KMS Sign (one per grant)', f.kmsSigns],
    ['callers that waited for Maskinporten', f.callerWaits],
    ['refresh-ahead events', f.refreshEvents],
    ['Lambda invocations (API + refresh events)', f.lambdaInvocations],
    ['DynamoDB read units', f.dynamoReadUnits],
    ['DynamoDB write units', f.dynamoWriteUnits],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = [
    `Capacity for ${config.name}: ${inputs.activePerHour.toLocaleString('en')} of ${inputs.customers.toLocaleString('en')} customers active per hour × ${inputs.scopes} scopes = ${f.keys.toLocaleString('en')} keys; ${inputs.lifetime} s tokens (margin ${f.marginSeconds} s, refresh window ${f.windowSeconds} s); ${inputs.callers} callers × ${inputs.requestsPerCallerPerMin}/min${inputs.clientCache ? ', client library cache' : ', no client cache'}; peak ${inputs.peakFactor ?? 2}× the hour's average`,
    '',
    `${'figure'.padEnd(width)}  ${'per hour'.padStart(14)}  ${'per second at peak'.padStart(18)}`,
    ...rows.map(
      ([name, rate]) =>
        `${name.padEnd(width)}  ${Math.round(rate.perHour).toLocaleString('en').padStart(14)}  ${rate.peakPerSecond.toFixed(2).padStart(18)}`,
    ),
    `${'Lambda concurrency at peak'.padEnd(width)}  ${''.padStart(14)}  ${f.lambdaConcurrencyAtPeak.toFixed(1).padStart(18)}`,
    '',
    `cost per hour (list prices, USD): API Gateway ${usd(f.costPerHour.apiGateway)}, Lambda ${usd(f.costPerHour.lambda)}, DynamoDB on-demand ${usd(f.costPerHour.dynamoDb)}, KMS ${usd(f.costPerHour.kms)}; total ${usd(f.costPerHour.total)} (${usd(f.costPerHour.total * 24 * 30)} for 30 days at this rate)`,
    '',
    'limits at peak:',
    ...f.limits.map(
      (check) =>
        `  ${check.share >= 1 ? 'OVER' : check === f.firstLimit ? 'NEXT' : 'ok  '}  ${check.name}: ${check.demand.toFixed(1)} of ${check.limit.toLocaleString('en')} ${check.unit} (${(100 * check.share).toFixed(0)} %)`,
    ),
    '',
    `first limit: ${f.firstLimit.name} at ${(100 * f.firstLimit.share).toFixed(0)} %${f.firstLimit.share >= 1 ? ' (exceeded)' : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

const usd = (value: number) =>
  `$${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en')}`;

const isMain =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) process.exitCode = runCapacity(process.argv.slice(2), process.stdout);
