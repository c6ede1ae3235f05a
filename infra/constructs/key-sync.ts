import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import type { BrokerMetricName } from '../../shared/ports/metrics.js';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { infraCaller } from '../infra-callers.js';
import { METRIC_NAMESPACE } from '../metric-names.js';
import type { AlarmTopics } from './alarm-topics.js';
import {
  allowConfigSecret,
  allowInvoke,
  appFunctionProps,
  dependOnInlinePolicy,
  functionFoundation,
} from './app-function.js';
import { brokerMetric } from './broker-alarms.js';
import { allowVpcNetworkInterfaces, vpcPlacement } from './vpc-placement.js';

/** The key sync's entry point (`handler`, an EventBridge scheduled event). */
export const KEY_SYNC_ENTRY = fileURLToPath(
  new URL('../../functions/key-sync/handler.ts', import.meta.url),
);

/** How often the key sync runs. */
export const KEY_SYNC_RATE = Duration.hours(1);

export interface KeySyncProps {
  readonly config: BrokerEnvironmentConfig;
  /** The key the broker signs with. */
  readonly activeSigningKeyArn: string;
  /** The other live key, if any. */
  readonly nextSigningKeyArn?: string | undefined;
  /** Retired keys: their kid leaves the client once KMS reports the key disabled. */
  readonly retiredSigningKeys: readonly { kid: string; keyArn: string }[];
  /** The key under the configuration secret. */
  readonly dataKeyArn: string;
  /** The broker's API: the admin token comes from `POST /v1/token`. */
  readonly api: apigw.RestApi;
  /** The broker's base URL through a VPC endpoint (`BROKER_URL`). */
  readonly brokerUrl: string;
  readonly topics: AlarmTopics;
  readonly dashboard: cw.Dashboard;
}

/**
 * The scheduled key sync: every hour a function registers the environment's configured signing
 * keys at Digdir (functions/key-sync), so a deploy that adds a next key gets it registered without
 * a person, and a retired key's kid leaves the client once KMS reports the key disabled. It runs in
 * the VPC of the execute-api endpoints (it gets its admin token from the broker, a caller named in
 * the generated policy rule) and reaches Digdir through the subnets' NAT.
 *
 * Its role cannot sign: `kms:GetPublicKey` on the live keys and `kms:DescribeKey` on every
 * configured key, the configuration secret (client id, kids), `execute-api:Invoke` on the token
 * route only, its logs and the ENI actions Lambda needs in a VPC. The signing keys' policy denies
 * `kms:Sign` to every role but the broker's and ops'. Four ticket alarms, no paging: token issuing
 * does not depend on the sync until a key nears its Digdir `exp`, which is itself a ticket.
 */
export class KeySync extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;
  readonly alarms: cw.Alarm[] = [];
  readonly #config: BrokerEnvironmentConfig;

  constructor(scope: Construct, id: string, props: KeySyncProps) {
    super(scope, id);
    const { config } = props;
    this.#config = config;

    const foundation = functionFoundation(this, config, {
      roleName: config.names.keySyncRole,
      description: `${SERVICE_NAME} key sync (${config.name}): registers public keys, cannot sign`,
    });
    const { allow } = foundation;
    this.logGroup = foundation.logGroup;
    this.role = foundation.role;
    const liveKeys = [props.activeSigningKeyArn, props.nextSigningKeyArn].filter(
      (arn): arn is string => arn !== undefined,
    );
    allow('ReadSigningPublicKeys', { actions: ['kms:GetPublicKey'], resources: liveKeys });
    allow('ReadSigningKeyState', {
      actions: ['kms:DescribeKey'],
      resources: [...liveKeys, ...props.retiredSigningKeys.map((key) => key.keyArn)],
    });
    allowConfigSecret(this, allow, config, props.dataKeyArn);
    allowInvoke(allow, 'AdminTokenFromBroker', props.api, infraCaller(config, 'key-sync'));
    allowVpcNetworkInterfaces(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...appFunctionProps(config, foundation, KEY_SYNC_ENTRY),
      functionName: config.names.keySyncFunction,
      description: `Registers the Maskinporten signing keys at Digdir, hourly (${config.name})`,
      memorySize: 256,
      timeout: Duration.seconds(60),
      // One run at a time; a failed run is not retried: the next hour's run is the retry.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      ...vpcPlacement(this, config.network.vpcId, config.keySync),
      environment: this.#environment(props),
    });
    dependOnInlinePolicy(this.function, this.role);

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `${config.names.dashboard}-key-sync`,
      description: `Runs ${config.names.keySyncFunction} every hour`,
      schedule: events.Schedule.rate(KEY_SYNC_RATE),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    this.#addAlarms(props.topics);
    this.#addWidgets(props.dashboard);
  }

  /** `maskinporten-broker-<env>-<name>`, as the broker's alarms are named. */
  alarmName(name: string): string {
    return `${this.#config.names.dashboard}-${name}`;
  }

  #environment(props: KeySyncProps): Record<string, string> {
    const { config } = props;
    const environment: Record<string, string> = {
      [ENV.signingKey]: `kms:${props.activeSigningKeyArn}`,
      [ENV.retiredSigningKeys]: Stack.of(this).toJsonString(
        props.retiredSigningKeys.map((key) => ({ kid: key.kid, keyId: key.keyArn })),
      ),
      [ENV.adminUrl]: config.maskinportenAdminUrl,
      [ENV.brokerUrl]: props.brokerUrl,
      [ENV.configSecret]: config.names.secret,
      [ENV.environment]: config.name,
      [ENV.keyExpiryWarningDays]: String(config.keySync.expiryWarningDays),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.nextSigningKeyArn) {
      environment[ENV.signingKeyNext] = `kms:${props.nextSigningKeyArn}`;
    }
    return environment;
  }

  #addAlarms(topics: AlarmTopics): void {
    const config = this.#config;
    const hourly = (name: BrokerMetricName, statistic: string) =>
      brokerMetric(config, name, KEY_SYNC_RATE, statistic);
    const create = (
      name: string,
      description: string,
      target: cw.Metric | cw.MathExpression,
      options: Omit<cw.CreateAlarmOptions, 'alarmName' | 'alarmDescription'>,
    ) => {
      const alarm = target.createAlarm(this, name, {
        alarmName: this.alarmName(name),
        alarmDescription: description,
        ...options,
      });
      this.alarms.push(alarm);
    };
    create(
      'key-sync-failing',
      'The key sync failed in 3 hourly runs in a row (Digdir or the network failed, the broker refused the admin token, or a rule refused the set: the log says which). Tokens still flow; a next key is not registered until it works. Runbook: README, "When the key sync fails".',
      hourly('KeySyncFailures', cw.Stats.SUM),
      {
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      },
    );
    create(
      'key-sync-not-running',
      'The key sync has not completed a run in 2 hours (not invoked, or crashing: see its log group and Lambda errors).',
      new cw.MathExpression({
        label: 'Key sync runs without a crash',
        expression: 'FILL(i, 0) - FILL(e, 0)',
        usingMetrics: {
          i: this.function.metricInvocations({ period: KEY_SYNC_RATE, statistic: cw.Stats.SUM }),
          e: this.function.metricErrors({ period: KEY_SYNC_RATE, statistic: cw.Stats.SUM }),
        },
        period: KEY_SYNC_RATE,
      }),
      {
        threshold: 1,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.BREACHING,
      },
    );
    create(
      'active-key-age',
      `The active signing key is ${config.keySync.maxActiveKeyAgeDays} days old or more: rotate it (README, "Rotating the signing key").`,
      hourly('ActiveKeyAgeDays', cw.Stats.MAXIMUM),
      {
        threshold: config.keySync.maxActiveKeyAgeDays,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      },
    );
    create(
      'active-key-expiry',
      `Digdir's exp on the active key is ${config.keySync.expiryWarningDays} days away or less: after it Maskinporten refuses every grant (MP-121). Rotate the key (README, "Rotating the signing key").`,
      hourly('ActiveKeyExpiresInDays', cw.Stats.MINIMUM),
      {
        threshold: config.keySync.expiryWarningDays,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      },
    );
    topics.admitAlarms(
      topics.tickets,
      this.alarms.map((alarm) => this.alarmName(alarm.node.id)),
    );
    const action = new cwActions.SnsAction(topics.tickets);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  #addWidgets(dashboard: cw.Dashboard): void {
    const config = this.#config;
    const graph = (title: string, left: cw.IMetric[]) =>
      new cw.GraphWidget({ title, left, width: 8, height: 6 });
    dashboard.addWidgets(
      new cw.AlarmStatusWidget({
        title: 'Key sync alarms (tickets)',
        alarms: this.alarms,
        width: 8,
        height: 6,
      }),
      graph('Key sync per hour', [
        brokerMetric(config, 'KeySyncWrites', KEY_SYNC_RATE, cw.Stats.SUM, 'sets written'),
        brokerMetric(config, 'KeySyncFailures', KEY_SYNC_RATE, cw.Stats.SUM, 'failures'),
        this.function.metricInvocations({ period: KEY_SYNC_RATE, label: 'runs' }),
      ]),
      graph('Active signing key (days)', [
        brokerMetric(config, 'ActiveKeyAgeDays', KEY_SYNC_RATE, cw.Stats.MAXIMUM, 'age'),
        brokerMetric(
          config,
          'ActiveKeyExpiresInDays',
          KEY_SYNC_RATE,
          cw.Stats.MINIMUM,
          "to Digdir's exp",
        ),
      ]),
    );
  }
}
