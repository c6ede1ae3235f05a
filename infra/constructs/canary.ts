import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { infraCaller } from '../infra-callers.js';
import { METRIC_NAMESPACE } from '../metric-names.js';
import {
  allowInvoke,
  appFunctionProps,
  dependOnInlinePolicy,
  functionFoundation,
} from './app-function.js';
import { type BrokerAlarms, brokerMetric } from './broker-alarms.js';
import { allowVpcNetworkInterfaces, vpcPlacement } from './vpc-placement.js';

/** The canary's entry point (`handler`, an EventBridge scheduled event). */
export const CANARY_ENTRY = fileURLToPath(
  new URL('../../functions/canary/handler.ts', import.meta.url),
);

/** How often the canary runs, and the period its alarm reads. */
export const CANARY_RATE = Duration.minutes(5);

/**
 * Failed or missing runs in this many periods in a row page: one failed run, or one period the
 * schedule's jitter leaves empty, does not.
 */
export const CANARY_ALARM_PERIODS = 3;

export interface CanaryProps {
  readonly config: BrokerEnvironmentConfig;
  /** The broker's API: the canary invokes its smoke routes. */
  readonly api: apigw.RestApi;
  /** The broker's base URL through each VPC endpoint (`BROKER_URLS`). */
  readonly brokerUrls: readonly string[];
  /** The environment's alarms: the canary's alarm becomes an input of "broker degraded". */
  readonly alarms: BrokerAlarms;
  readonly dashboard: cw.Dashboard;
}

/**
 * The scheduled canary: every 5 minutes a function in the callers' VPC runs the smoke checks of
 * `npm run smoke` (functions/canary: a SigV4-signed `GET /v1/health` and a token request for the
 * smoke scope through every VPC endpoint), so ops learn that the private path itself (endpoint,
 * resource policy, IAM, caller policy) broke even when no caller is sending traffic. Its role may
 * invoke exactly the routes the smoke checks use and write its logs (plus the ENI actions Lambda
 * needs in a VPC); the caller policy's generated `infra:smoke-test` rule gives it only the smoke
 * scope. Its alarm pages through the composite "broker degraded": a failed check or a run that
 * did not report (missing `CanarySuccess` is breaching) in 3 periods in a row.
 */
export class Canary extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;
  readonly alarm: cw.Alarm;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const { config, api } = props;

    const foundation = functionFoundation(this, config, {
      roleName: config.names.canaryRole,
      description: `${SERVICE_NAME} canary (${config.name}): the smoke checks, the smoke scope only`,
    });
    this.logGroup = foundation.logGroup;
    this.role = foundation.role;
    allowInvoke(foundation.allow, 'InvokeSmokeRoutes', api, infraCaller(config, 'smoke-test'));
    allowVpcNetworkInterfaces(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...appFunctionProps(config, foundation, CANARY_ENTRY),
      functionName: config.names.canaryFunction,
      description: `The smoke checks through every VPC endpoint, every 5 minutes (${config.name})`,
      memorySize: 256,
      // Two checks per endpoint, one after another, each at most 10 s.
      timeout: Duration.seconds(
        Math.min(180, 20 * config.network.executeApiVpcEndpointIds.length + 20),
      ),
      // One run at a time; a failed run is not retried: the next run is the retry.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      ...vpcPlacement(this, config.network.vpcId, config.smokeTest.canary),
      environment: {
        [ENV.brokerUrls]: props.brokerUrls.join(','),
        [ENV.smokeScope]: config.smokeTest.scope,
        [ENV.environment]: config.name,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    dependOnInlinePolicy(this.function, this.role);

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `${config.names.dashboard}-canary`,
      description: `Runs ${config.names.canaryFunction} every 5 minutes`,
      schedule: events.Schedule.rate(CANARY_RATE),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    this.alarm = new cw.MathExpression({
      label: 'Canary runs that passed (0 when a check failed)',
      expression: 'IF(FILL(f, 0) > 0, 0, s)',
      usingMetrics: {
        s: brokerMetric(config, 'CanarySuccess', CANARY_RATE, cw.Stats.MINIMUM),
        f: brokerMetric(config, 'CanaryFailures', CANARY_RATE, cw.Stats.SUM),
      },
      period: CANARY_RATE,
    }).createAlarm(this, 'canary-failing', {
      alarmName: props.alarms.alarmName('canary-failing'),
      alarmDescription:
        'The canary could not get through the private path (health and a smoke-scope token through every VPC endpoint) for 15 minutes, or did not run: its log names the endpoint, the check and why (DNS, connection, API Gateway 403, caller policy 403, 5xx). Runbook: README, "When the canary fails".',
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: CANARY_ALARM_PERIODS,
      datapointsToAlarm: CANARY_ALARM_PERIODS,
      // No report is a failure: a canary that cannot run proves nothing.
      treatMissingData: cw.TreatMissingData.BREACHING,
    });
    props.alarms.addPagingInput(this.alarm);

    props.dashboard.addWidgets(
      new cw.AlarmStatusWidget({
        title: 'Canary alarm (pages through degraded)',
        alarms: [this.alarm],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Canary: the private path through every VPC endpoint (every 5 minutes)',
        left: [
          brokerMetric(config, 'CanarySuccess', CANARY_RATE, cw.Stats.SUM, 'runs that passed'),
          brokerMetric(config, 'CanaryFailures', CANARY_RATE, cw.Stats.SUM, 'checks that failed'),
          this.function.metricInvocations({ period: CANARY_RATE, label: 'runs' }),
          this.function.metricErrors({ period: CANARY_RATE, label: 'crashed runs' }),
        ],
        width: 16,
        height: 6,
      }),
    );
  }
}
