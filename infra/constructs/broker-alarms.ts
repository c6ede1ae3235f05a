import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BrokerMetricName } from '../../shared/ports/metrics.js';
import type { BrokerEnvironmentConfig } from '../config.js';
import { METRIC_NAMESPACE, metricDimensions } from '../metric-names.js';
import { reservedConcurrency } from '../sizing.js';
import type { AlarmTopics } from './alarm-topics.js';

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/** Paging alarms: 1-minute rates, breaching in 3 of the last 5 minutes. */
export const PAGING_EVALUATION = { evaluationPeriods: 5, datapointsToAlarm: 3 } as const;

/** Alarm thresholds; rates are percentages per period. */
export const ALARM_THRESHOLDS = {
  /** A rate counts only in a minute with at least this many requests (one error in two says little). */
  minRequestsPerMinute: 10,
  /** …and at least this many Maskinporten calls or signing attempts. */
  minUpstreamCallsPerMinute: 3,
  api5xxPercent: 5,
  lambdaErrorPercent: 5,
  lambdaThrottlePercent: 5,
  /** Maskinporten unavailable or timing out: an outage or a network problem on our side. */
  maskinportenFailurePercent: 50,
  /** Maskinporten rejected our own grant (key, kid, clock): every new token fails. */
  grantRejectedPercent: 50,
  /** KMS Sign throttled, denied or failing. */
  signingFailurePercent: 20,
  /** Tickets. Account-wide RSA requests per second against the quota (L-2AC98190). */
  kmsRsaQuotaPercent: 70,
  /** Highest concurrency against the function's reservation. */
  concurrencyPercent: 80,
  /** p99 duration against the broker's deadline. */
  durationDeadlinePercent: 90,
  cacheErrorPercent: 5,
  dynamoDbThrottleEvents: 1,
  /** Percent of token requests served from a cache, over 3 periods of 5 minutes… */
  hitRatioPercent: 50,
  /** …counted only when a period has at least this many requests. */
  hitRatioMinRequests: 20,
  untrustedEvents: 1,
  cacheSealFailures: 1,
  /** A caller refused for its miss budget this often in 5 minutes: a runaway caller or a low limit. */
  rateLimited: 10,
  policyRefreshFailures: 1,
} as const;

export interface BrokerAlarmsProps {
  readonly config: BrokerEnvironmentConfig;
  readonly function: lambda.IFunction;
  readonly stage: apigw.Stage;
  readonly topics: AlarmTopics;
}

type Target = cw.Metric | cw.MathExpression;

/**
 * The environment's alarms. Six paging inputs (1-minute rates, 3 of 5) feed ONE composite alarm,
 * "broker degraded", which alone notifies the paging topic (and the configured on-call topic); the
 * inputs notify nobody themselves. Everything else is a ticket. Missing data never alarms: no
 * errors emitted means no errors, and rates are undefined below their traffic minimum.
 */
export class BrokerAlarms extends Construct {
  readonly pagingInputs: cw.Alarm[] = [];
  readonly tickets: cw.Alarm[] = [];
  readonly degraded: cw.CompositeAlarm;
  readonly #config: BrokerEnvironmentConfig;

  constructor(scope: Construct, id: string, props: BrokerAlarmsProps) {
    super(scope, id);
    const { config, function: fn, stage, topics } = props;
    this.#config = config;
    const t = ALARM_THRESHOLDS;
    const emf = (name: BrokerMetricName, period = MINUTE) => brokerMetric(config, name, period);
    const rate = (
      label: string,
      bad: string,
      total: string,
      min: number,
      metrics: Record<string, cw.IMetric>,
      period = MINUTE,
    ) =>
      new cw.MathExpression({
        label,
        expression: `IF(${total} >= ${min}, 100 * (${bad}) / (${total}))`,
        usingMetrics: metrics,
        period,
      });

    this.page(
      'api-5xx',
      'Over 5% of API requests answered 5xx. Check the function logs, the gateway execution logs and lambda-throttles.',
      rate('API 5xx (%)', 'FILL(e, 0)', 'FILL(n, 0)', t.minRequestsPerMinute, {
        e: stage.metricServerError({ period: MINUTE, statistic: cw.Stats.SUM }),
        n: stage.metricCount({ period: MINUTE, statistic: cw.Stats.SUM }),
      }),
      t.api5xxPercent,
    );
    this.page(
      'lambda-errors',
      'Over 5% of invocations failed with an unhandled error (the handler should answer every error itself). Check the function logs.',
      rate('Lambda errors (%)', 'FILL(e, 0)', 'FILL(n, 0)', t.minRequestsPerMinute, {
        e: fn.metricErrors({ period: MINUTE, statistic: cw.Stats.SUM }),
        n: fn.metricInvocations({ period: MINUTE, statistic: cw.Stats.SUM }),
      }),
      t.lambdaErrorPercent,
    );
    this.page(
      'lambda-throttles',
      'Over 5% of invocations were throttled (callers get 503): reserved concurrency exhausted. Check lambda-concurrency and the sizing formula.',
      rate(
        'Lambda throttles (%)',
        'FILL(th, 0)',
        'FILL(n, 0) + FILL(th, 0)',
        t.minRequestsPerMinute,
        {
          th: fn.metricThrottles({ period: MINUTE, statistic: cw.Stats.SUM }),
          n: fn.metricInvocations({ period: MINUTE, statistic: cw.Stats.SUM }),
        },
      ),
      t.lambdaThrottlePercent,
    );
    this.page(
      'maskinporten-failures',
      'Over half the Maskinporten calls were unavailable (5xx, 429, network) or timed out. Check status.digdir.no and the broker logs.',
      rate(
        'Maskinporten failures (%)',
        'FILL(u, 0) + FILL(to, 0)',
        'FILL(c, 0)',
        t.minUpstreamCallsPerMinute,
        {
          u: emf('MaskinportenUnavailable'),
          to: emf('MaskinportenTimeouts'),
          c: emf('MaskinportenCalls'),
        },
      ),
      t.maskinportenFailurePercent,
    );
    this.page(
      'maskinporten-grant-rejected',
      "Maskinporten rejected the broker's own grants (unknown kid, bad signature, clock skew): new tokens fail. Check the JWK registered on the client against GET /v1/jwks and the key runbook.",
      rate('Grants rejected (%)', 'FILL(r, 0)', 'FILL(c, 0)', 1, {
        r: emf('MaskinportenGrantRejected'),
        c: emf('MaskinportenCalls'),
      }),
      t.grantRejectedPercent,
    );
    this.page(
      'signing-failures',
      'KMS Sign failed for over 20% of grants: SigningThrottled (RSA quota, see kms-rsa-quota), SigningDenied (key disabled, key policy, role) or SigningErrors. New tokens fail.',
      rate(
        'Signing failures (%)',
        'FILL(th, 0) + FILL(d, 0) + FILL(x, 0)',
        'FILL(s, 0) + FILL(th, 0) + FILL(d, 0) + FILL(x, 0)',
        1,
        {
          th: emf('SigningThrottled'),
          d: emf('SigningDenied'),
          x: emf('SigningErrors'),
          s: emf('Signatures'),
        },
      ),
      t.signingFailurePercent,
    );

    this.degraded = new cw.CompositeAlarm(this, 'degraded', {
      compositeAlarmName: this.alarmName('degraded'),
      alarmDescription:
        'Broker degraded: one or more paging inputs are in ALARM (the reason names them). Start at the dashboard; each input alarm says where to look.',
      alarmRule: cw.AlarmRule.anyOf(
        ...this.pagingInputs.map((alarm) => cw.AlarmRule.fromAlarm(alarm, cw.AlarmState.ALARM)),
      ),
    });
    const pagingActions: cw.IAlarmAction[] = [new cwActions.SnsAction(topics.paging)];
    if (config.alarms.topicArn) {
      const onCall = sns.Topic.fromTopicArn(this, 'OnCallTopic', config.alarms.topicArn);
      pagingActions.push(new cwActions.SnsAction(onCall));
    }
    this.degraded.addAlarmAction(...pagingActions);
    this.degraded.addOkAction(...pagingActions);

    const usage = new cw.Metric({
      namespace: 'AWS/Usage',
      metricName: 'CallCount',
      dimensionsMap: {
        Service: 'KMS',
        Type: 'API',
        Resource: 'CryptographicOperationsRsa',
        Class: 'None',
      },
      statistic: cw.Stats.SUM,
      period: MINUTE,
    });
    this.ticket(
      'kms-rsa-quota',
      'The account used over 70% of its KMS RSA request quota (shared by every RSA key in the account and region) in 3 of 5 minutes. Ask for an increase of L-2AC98190 before Sign is throttled.',
      new cw.MathExpression({
        label: 'KMS RSA requests (% of quota)',
        expression: '100 * (u / PERIOD(u)) / SERVICE_QUOTA(u)',
        usingMetrics: { u: usage },
        period: MINUTE,
      }),
      t.kmsRsaQuotaPercent,
      PAGING_EVALUATION,
    );
    const reservation = reservedConcurrency(config);
    this.ticket(
      'lambda-concurrency',
      `Peak concurrency above 80% of the ${reservation} reserved in 3 of 5 minutes: the next surge gets throttled. Resize function.peakRequestsPerSecond (README, Deploy).`,
      new cw.MathExpression({
        label: 'Concurrency (% of reservation)',
        expression: `100 * FILL(c, 0) / ${reservation}`,
        usingMetrics: {
          c: fn.metric('ConcurrentExecutions', { period: MINUTE, statistic: cw.Stats.MAXIMUM }),
        },
        period: MINUTE,
      }),
      t.concurrencyPercent,
      PAGING_EVALUATION,
    );
    const nearDeadline = Math.round((config.deadlineMs * t.durationDeadlinePercent) / 100);
    this.ticket(
      'duration-near-deadline',
      `p99 duration at or above ${nearDeadline} ms (90% of the ${config.deadlineMs} ms deadline) in 3 of 5 minutes: callers wait for the deadline. Check Maskinporten and KMS latency on the dashboard.`,
      fn.metricDuration({ period: MINUTE, statistic: cw.Stats.p(99) }),
      nearDeadline,
      PAGING_EVALUATION,
    );
    this.ticket(
      'cache-errors',
      'Over 5% of token requests met a DynamoDB failure or timeout (the broker falls back to memory; hit ratio drops). Check dynamodb-throttles and the table.',
      rate(
        'Cache errors (%)',
        'FILL(e, 0)',
        'FILL(n, 0)',
        t.hitRatioMinRequests,
        {
          e: emf('CacheErrors', FIVE_MINUTES),
          n: emf('TokenRequests', FIVE_MINUTES),
        },
        FIVE_MINUTES,
      ),
      t.cacheErrorPercent,
      { evaluationPeriods: 2, datapointsToAlarm: 2 },
    );
    const tableMetric = (metricName: string) =>
      new cw.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: config.names.table },
        statistic: cw.Stats.SUM,
        period: FIVE_MINUTES,
      });
    this.ticket(
      'dynamodb-throttles',
      'DynamoDB throttled token-table requests in 2 of 3 periods of 5 minutes (a hot key or account table limits).',
      new cw.MathExpression({
        label: 'DynamoDB throttle events',
        expression: 'FILL(r, 0) + FILL(w, 0)',
        usingMetrics: {
          r: tableMetric('ReadThrottleEvents'),
          w: tableMetric('WriteThrottleEvents'),
        },
        period: FIVE_MINUTES,
      }),
      t.dynamoDbThrottleEvents,
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );
    this.ticket(
      'cache-hit-ratio-low',
      `Under ${t.hitRatioPercent}% of token requests were served from a cache for 15 minutes (with at least ${t.hitRatioMinRequests} requests per 5 minutes). Check CacheErrors and callers using skipCache.`,
      hitRatio(config),
      t.hitRatioPercent,
      {
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );
    this.ticket(
      'untrusted-events',
      'The function refused an event that did not come through the configured API, stage and VPC endpoint: someone invoked it directly. Check CloudTrail for lambda:Invoke on the function (README, "Only API Gateway speaks for a caller").',
      emf('UntrustedEvents', FIVE_MINUTES),
      t.untrustedEvents,
    );
    this.ticket(
      'cache-seal-failures',
      'Cached tokens failed to decrypt (planted, swapped or corrupted items, or a token-seal key problem); they were served as misses. Check the table for writers other than the broker.',
      emf('CacheSealFailures', FIVE_MINUTES),
      t.cacheSealFailures,
    );

    this.ticket(
      'rate-limited',
      'Token requests were refused (429) because a caller went over its rule\'s maxMissesPerMinute. Find the caller in the audit lines with outcome rate_limited: a caller that skips its own cache or loops, or a limit too low for its orgs (README, "Caller policy").',
      emf('RateLimited', FIVE_MINUTES),
      t.rateLimited,
    );
    this.ticket(
      'policy-refresh-failures',
      'The broker could not read the caller policy parameter, or found an invalid policy in it, and kept the last good one: policy changes (revocations too) are not applied. Check the function\'s error log "caller policy" and the parameter (README, "The caller policy in AWS").',
      emf('PolicyRefreshFailures', FIVE_MINUTES),
      t.policyRefreshFailures,
    );

    topics.admitAlarms(topics.paging, [this.alarmName('degraded')]);
    topics.admitAlarms(
      topics.tickets,
      this.tickets.map((alarm) => this.alarmName(alarm.node.id)),
    );
    const ticketAction = new cwActions.SnsAction(topics.tickets);
    for (const alarm of this.tickets) {
      alarm.addAlarmAction(ticketAction);
      alarm.addOkAction(ticketAction);
    }
  }

  /** `maskinporten-broker-<env>-<name>`. */
  alarmName(name: string): string {
    return `${this.#config.names.dashboard}-${name}`;
  }

  private page(name: string, description: string, target: Target, threshold: number): void {
    this.pagingInputs.push(this.create(name, description, target, threshold, PAGING_EVALUATION));
  }

  private ticket(
    name: string,
    description: string,
    target: Target,
    threshold: number,
    options: Partial<cw.CreateAlarmOptions> = {},
  ): void {
    this.tickets.push(this.create(name, description, target, threshold, options));
  }

  private create(
    name: string,
    description: string,
    target: Target,
    threshold: number,
    options: Partial<cw.CreateAlarmOptions>,
  ): cw.Alarm {
    return target.createAlarm(this, name, {
      alarmName: this.alarmName(name),
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      ...options,
    });
  }
}

/** A broker EMF metric, always with exactly `{service, environment}`. */
export function brokerMetric(
  config: BrokerEnvironmentConfig,
  name: BrokerMetricName,
  period: Duration = FIVE_MINUTES,
  statistic: string = cw.Stats.SUM,
  label?: string,
): cw.Metric {
  return new cw.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: metricDimensions(config.name),
    statistic,
    period,
    ...(label ? { label } : {}),
  });
}

/**
 * Percent of token requests served from a cache per 5 minutes. FILL: a period with hits but no
 * misses (or the reverse) must still yield a ratio; IF without an else yields no datapoint below
 * the traffic minimum, which alarms treat as missing.
 */
export function hitRatio(config: BrokerEnvironmentConfig): cw.MathExpression {
  const hits = '(FILL(hm, 0) + FILL(hs, 0))';
  const total = `(${hits} + FILL(m, 0))`;
  return new cw.MathExpression({
    label: 'Cache hit ratio (%)',
    expression: `IF(${total} >= ${ALARM_THRESHOLDS.hitRatioMinRequests}, 100 * ${hits} / ${total})`,
    usingMetrics: {
      hm: brokerMetric(config, 'CacheHitMemory'),
      hs: brokerMetric(config, 'CacheHitShared'),
      m: brokerMetric(config, 'CacheMiss'),
    },
    period: FIVE_MINUTES,
  });
}
