import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { BrokerMetricName } from '../../shared/ports/metrics.js';
import type { BrokerEnvironmentConfig } from '../config.js';
import { METRIC_NAMESPACE, metricDimensions } from '../metric-names.js';

const PERIOD = Duration.minutes(5);

/** Alarm thresholds (per 5-minute period unless stated). */
export const ALARM_THRESHOLDS = {
  /** Maskinporten unavailable or timing out: an outage or a network problem on our side. */
  maskinportenFailures: 5,
  /** Maskinporten rejected our own grant (key, kid, clock): every token request fails. */
  grantRejected: 1,
  api5xx: 5,
  lambdaErrors: 1,
  lambdaThrottles: 1,
  /** Percent of token requests served from a cache, over 3 periods… */
  hitRatioPercent: 50,
  /** …counted only when a period has at least this many requests (too few says nothing). */
  hitRatioMinRequests: 20,
} as const;

export interface MonitoringProps {
  readonly config: BrokerEnvironmentConfig;
  readonly function: lambda.IFunction;
  readonly stage: apigw.Stage;
}

/**
 * The environment's dashboard and alarms. Broker metrics are the EMF metrics the code emits, always
 * with exactly `{service, environment}`; alarms go to an encrypted SNS topic (plus an existing
 * topic and an e-mail subscription when configured). Missing data is "not breaching" everywhere:
 * no errors emitted means no errors, and the hit ratio is undefined below the traffic minimum.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cw.Dashboard;
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, function: fn, stage } = props;
    const metric = (name: BrokerMetricName, statistic = cw.Stats.SUM, label?: string): cw.Metric =>
      new cw.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        dimensionsMap: metricDimensions(config.name),
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });

    this.topic = this.createTopic(config);
    const actions: cw.IAlarmAction[] = [new cwActions.SnsAction(this.topic)];
    if (config.alarms.topicArn) {
      const shared = sns.Topic.fromTopicArn(this, 'SharedTopic', config.alarms.topicArn);
      actions.push(new cwActions.SnsAction(shared));
    }

    // FILL: a period with hits but no misses (or the reverse) must still yield a ratio. IF without
    // an else yields no datapoint below the traffic minimum, which the alarm treats as missing.
    const hits = '(FILL(hm, 0) + FILL(hs, 0))';
    const total = `(${hits} + FILL(m, 0))`;
    const hitRatio = new cw.MathExpression({
      label: 'Cache hit ratio (%)',
      expression: `IF(${total} >= ${ALARM_THRESHOLDS.hitRatioMinRequests}, 100 * ${hits} / ${total})`,
      usingMetrics: {
        hm: metric('CacheHitMemory'),
        hs: metric('CacheHitShared'),
        m: metric('CacheMiss'),
      },
      period: PERIOD,
    });
    const maskinportenFailures = new cw.MathExpression({
      label: 'Maskinporten unavailable + timeouts',
      expression: 'FILL(u, 0) + FILL(t, 0)',
      usingMetrics: { u: metric('MaskinportenUnavailable'), t: metric('MaskinportenTimeouts') },
      period: PERIOD,
    });

    const alarm = (
      name: string,
      description: string,
      target: cw.Metric | cw.MathExpression,
      threshold: number,
      options: Partial<cw.CreateAlarmOptions> = {},
    ): cw.Alarm => {
      const created = target.createAlarm(this, name, {
        alarmName: `${config.names.dashboard}-${name}`,
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      for (const action of actions) {
        created.addAlarmAction(action);
        created.addOkAction(action);
      }
      this.alarms.push(created);
      return created;
    };

    alarm(
      'maskinporten-failures',
      'Maskinporten is unavailable (5xx, network) or timing out. Check status.digdir.no and the broker logs.',
      maskinportenFailures,
      ALARM_THRESHOLDS.maskinportenFailures,
      { evaluationPeriods: 2, datapointsToAlarm: 2 },
    );
    alarm(
      'maskinporten-grant-rejected',
      "Maskinporten rejected the broker's own grant (unknown kid, bad signature, clock skew): every new token fails. Check the JWK registered on the client and the key runbook.",
      metric('MaskinportenGrantRejected'),
      ALARM_THRESHOLDS.grantRejected,
    );
    alarm(
      'api-5xx',
      'The broker API returned 5xx responses.',
      stage.metricServerError({ period: PERIOD, statistic: cw.Stats.SUM }),
      ALARM_THRESHOLDS.api5xx,
    );
    alarm(
      'lambda-errors',
      'The token function failed with an unhandled error (the handler should answer every error itself).',
      fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM }),
      ALARM_THRESHOLDS.lambdaErrors,
    );
    alarm(
      'lambda-throttles',
      'The token function was throttled (reserved or account concurrency exhausted).',
      fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
      ALARM_THRESHOLDS.lambdaThrottles,
    );
    alarm(
      'cache-hit-ratio-low',
      `Under ${ALARM_THRESHOLDS.hitRatioPercent}% of token requests were served from a cache for 15 minutes (with at least ${ALARM_THRESHOLDS.hitRatioMinRequests} requests per 5 minutes). Check CacheErrors and callers using skipCache.`,
      hitRatio,
      ALARM_THRESHOLDS.hitRatioPercent,
      {
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: config.names.dashboard,
      defaultInterval: Duration.hours(6),
    });
    const graph = (title: string, left: cw.IMetric[], right: cw.IMetric[] = []): cw.GraphWidget =>
      new cw.GraphWidget({ title, left, right, width: 12, height: 6 });
    this.dashboard.addWidgets(
      new cw.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      graph('Requests', [
        metric('TokenRequests'),
        stage.metricCount({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API requests' }),
        metric('AccessDenied'),
        metric('InvalidRequests'),
      ]),
      graph(
        'Token cache',
        [
          metric('CacheHitMemory'),
          metric('CacheHitShared'),
          metric('CacheMiss'),
          metric('StaleServed'),
          metric('LeaseWaits'),
          metric('CacheErrors'),
        ],
        [hitRatio],
      ),
    );
    this.dashboard.addWidgets(
      graph('Maskinporten latency and signing (ms)', [
        metric('MaskinportenLatency', cw.Stats.p(50), 'Maskinporten p50'),
        metric('MaskinportenLatency', cw.Stats.p(99), 'Maskinporten p99'),
        metric('SigningLatency', cw.Stats.p(99), 'KMS Sign p99'),
      ]),
      graph(
        'Maskinporten calls and errors by kind',
        [
          metric('MaskinportenCalls'),
          metric('MaskinportenErrors'),
          metric('MaskinportenRefused'),
          metric('MaskinportenGrantRejected'),
          metric('MaskinportenUnavailable'),
          metric('MaskinportenTimeouts'),
        ],
        [metric('Signatures')],
      ),
    );
    this.dashboard.addWidgets(
      graph('Lambda duration (ms)', [
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.p(50), label: 'p50' }),
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.p(99), label: 'p99' }),
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.MAXIMUM, label: 'max' }),
      ]),
      graph('Lambda errors, throttles and API 4xx/5xx', [
        fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM }),
        fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
        stage.metricClientError({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API 4xx' }),
        stage.metricServerError({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API 5xx' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Altinn token exchange', [metric('AltinnExchanges'), metric('AltinnErrors')]),
      graph('API latency (ms)', [
        stage.metricLatency({ period: PERIOD, statistic: cw.Stats.p(99), label: 'API p99' }),
        stage.metricIntegrationLatency({
          period: PERIOD,
          statistic: cw.Stats.p(99),
          label: 'integration p99',
        }),
      ]),
    );
  }

  /** SNS encrypted with its own key, which CloudWatch may use to publish alarm notifications. */
  private createTopic(config: BrokerEnvironmentConfig): sns.Topic {
    const key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the maskinporten-broker alarm topic (${config.name})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `maskinporten-broker ${config.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarms.email) {
      topic.addSubscription(new subscriptions.EmailSubscription(config.alarms.email));
    }
    return topic;
  }
}
