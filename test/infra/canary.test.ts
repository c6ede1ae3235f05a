import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { LAMBDA_VPC_ACTIONS } from '../../infra/constructs/vpc-placement.js';
import { decide } from '../../shared/domain/caller-policy.js';
import { parsePolicy } from '../../shared/domain/policy-document.js';
import { parseTokenRequest } from '../../shared/domain/token-request.js';
import {
  asList,
  canaryFunction,
  functionRoleStatements,
  idOfResource,
  type Json,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  type Synth,
  synth,
} from '../support/cdk-synth.js';

// Issue 15 §2's canary in CDK: the schedule, its place in the callers' VPC, its role (the smoke
// routes and its logs; nothing else), its caller-policy rule (only the smoke scope) and its alarm
// inside the composite "broker degraded". The function's behaviour is tested in
// test/unit/canary and, as the synthesized bundle on Node 24, in test/bundle/canary.test.ts.

const synths = {} as Record<'test' | 'prod', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
}, SYNTH_TIMEOUT_MS);

describe.each(['test', 'prod'] as const)('%s canary', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];
  const role = `arn:aws:iam::${config.account}:role/maskinporten-broker-${env}-canary`;
  const idOf = (resource: Json) => idOfResource(s().stateless, resource);
  const apiId = () => Object.keys(s().stateless.findResources('AWS::ApiGateway::RestApi'))[0];
  const stageId = () => Object.keys(s().stateless.findResources('AWS::ApiGateway::Stage'))[0];
  const routeArn = (route: string) => ({
    'Fn::Join': [
      '',
      [
        `arn:aws:execute-api:${config.region}:${config.account}:`,
        { Ref: apiId() },
        '/',
        { Ref: stageId() },
        route,
      ],
    ],
  });

  it('runs every 5 minutes from an EventBridge rule, once at a time, without retries', () => {
    const fn = canaryFunction(s());
    const rules = resourcesOf(s().stateless, 'AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.Name === `maskinporten-broker-${env}-canary`,
    );
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] as [string, Json];
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [idOf(fn), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    });
    const permissions = resourcesOf(s().stateless, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(idOf(fn)),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [idOf(fn), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
    const invokeConfig = resourcesOf(s().stateless, 'AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => c.Properties.FunctionName.Ref === idOf(fn),
    )?.[1];
    expect(invokeConfig?.Properties.MaximumRetryAttempts).toBe(0);
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('runs in the configured caller-side subnets and security groups, Node 24, JSON logs with retention', () => {
    const fn = canaryFunction(s());
    expect(fn.Properties).toMatchObject({
      FunctionName: config.names.canaryFunction,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      VpcConfig: {
        SubnetIds: [...config.smokeTest.canary.subnetIds],
        SecurityGroupIds: [...config.smokeTest.canary.securityGroupIds],
      },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: config.logLevel },
    });
    // Two checks per endpoint, each with a 10 s timeout, one after another.
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(
      20 * config.network.executeApiVpcEndpointIds.length + 10,
    );
    const logGroup = s().stateless.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('gets the smoke scope and the base URL through every VPC endpoint from its environment', () => {
    const vars = canaryFunction(s()).Properties.Environment.Variables;
    expect(vars).toMatchObject({
      SMOKE_SCOPE: config.smokeTest.scope,
      BROKER_ENVIRONMENT: env,
      POWERTOOLS_METRICS_NAMESPACE: 'MaskinportenBroker',
      POWERTOOLS_SERVICE_NAME: 'maskinporten-broker',
    });
    const urls = JSON.stringify(vars.BROKER_URLS);
    for (const vpce of config.network.executeApiVpcEndpointIds) {
      expect(urls).toContain(`-${vpce}.execute-api.`);
    }
    expect(urls.split('.execute-api.')).toHaveLength(
      config.network.executeApiVpcEndpointIds.length + 1,
    );
    expect(urls).toContain(`{"Ref":"${apiId()}"}`);
    expect(Object.keys(vars).sort()).toEqual(
      [
        'BROKER_URLS',
        'SMOKE_SCOPE',
        'BROKER_ENVIRONMENT',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_LOG_LEVEL',
        'NODE_OPTIONS',
      ].sort(),
    );
  });

  it('has a role of its own with exactly these statements: the smoke routes, its logs, the ENIs', () => {
    const fn = canaryFunction(s());
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expect(s().stateless.toJSON().Resources[roleId].Properties.RoleName).toBe(
      config.names.canaryRole,
    );
    const statements = functionRoleStatements(s(), fn);
    const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
      {
        Sid: 'InvokeSmokeRoutes',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: [routeArn('/GET/v1/health'), routeArn('/POST/v1/token')],
      },
      {
        Sid: 'LambdaVpcNetworkInterfaces',
        Effect: 'Allow',
        Action: LAMBDA_VPC_ACTIONS,
        Resource: '*',
      },
    ]);
    // No key, table, secret or parameter: the only data it touches is the smoke token.
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions.filter((a) => /^(kms|dynamodb|secretsmanager|ssm):/.test(a))).toEqual([]);
  });

  it('is named in the deployed caller policy with only the smoke scope, as a vendor token', () => {
    const [, parameter] = resourcesOf(s().stateless, 'AWS::SSM::Parameter')[0] as [string, Json];
    const document = JSON.parse(parameter.Properties.Value);
    const naming = document.rules.filter((rule: Json) => rule.callers.includes(role));
    expect(naming).toEqual([
      {
        name: 'infra:smoke-test',
        callers: [role, config.access.opsRoleArn],
        scopes: [config.smokeTest.scope],
        orgs: [],
        vendorTokens: true,
      },
    ]);
    const policy = parsePolicy(document, 'ssm');
    const caller = { id: role, source: 'iam' as const };
    const ask = (body: Record<string, unknown>) =>
      decide(policy, caller, { kind: 'token', request: parseTokenRequest(body) }).allowed;
    expect(ask({ scope: config.smokeTest.scope })).toBe(true);
    expect(ask({ scope: 'idporten:dcr.write' })).toBe(false);
    expect(ask({ scope: 'skatteetaten:mvameldinger' })).toBe(false);
    expect(ask({ scope: config.smokeTest.scope, org: '910753614' })).toBe(false);
    expect(ask({ scope: config.smokeTest.scope, skipCache: true })).toBe(false);
    expect(ask({ scope: config.smokeTest.scope, exchange: 'altinn' })).toBe(false);
  });

  it("is admitted by the API's resource policy on the smoke routes only", () => {
    const [, api] = resourcesOf(s().stateless, 'AWS::ApiGateway::RestApi')[0] as [string, Json];
    const admitting = api.Properties.Policy.Statement.filter((statement: Json) =>
      JSON.stringify(statement.Condition ?? {}).includes(role),
    );
    expect(
      admitting.map((statement: Json) => [statement.Sid, statement.Effect, statement.Resource]),
    ).toEqual([
      ['AllowInfraCallersToken', 'Allow', `execute-api:/${env}/POST/v1/token`],
      ['AllowInfraCallersHealth', 'Allow', `execute-api:/${env}/GET/v1/health`],
    ]);
  });

  it('pages through "broker degraded" when checks fail or the canary stops reporting', () => {
    const alarms = resourcesOf(s().stateless, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.AlarmName === `maskinporten-broker-${env}-canary-failing`,
    );
    expect(alarms).toHaveLength(1);
    const [alarmId, alarm] = alarms[0] as [string, Json];
    expect(alarm.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      // A canary that does not report has proven nothing.
      TreatMissingData: 'breaching',
    });
    // A paging input notifies nobody itself: the composite does.
    expect(alarm.Properties.AlarmActions ?? []).toEqual([]);
    expect(alarm.Properties.OKActions ?? []).toEqual([]);
    const [expression, ...metrics] = alarm.Properties.Metrics;
    expect(expression.Expression).toBe('IF(FILL(f, 0) > 0, 0, s)');
    const dimensions = [
      { Name: 'environment', Value: env },
      { Name: 'service', Value: 'maskinporten-broker' },
    ];
    expect(
      metrics.map((m: Json) => [m.Id, m.MetricStat.Metric.MetricName, m.MetricStat.Stat]),
    ).toEqual(
      expect.arrayContaining([
        ['s', 'CanarySuccess', 'Minimum'],
        ['f', 'CanaryFailures', 'Sum'],
      ]),
    );
    for (const metric of metrics) {
      expect(metric.MetricStat.Metric.Namespace).toBe('MaskinportenBroker');
      expect(metric.MetricStat.Metric.Dimensions).toEqual(dimensions);
      expect(metric.MetricStat.Period).toBe(300);
      expect(metric.ReturnData).toBe(false);
    }
    const composites = resourcesOf(s().stateless, 'AWS::CloudWatch::CompositeAlarm');
    expect(composites).toHaveLength(1);
    const [, degraded] = composites[0] as [string, Json];
    expect(degraded.Properties.AlarmName).toBe(`maskinporten-broker-${env}-degraded`);
    expect(JSON.stringify(degraded.Properties.AlarmRule)).toContain(
      `ALARM(\\"",{"Fn::GetAtt":["${alarmId}","Arn"]}`,
    );
  });

  it('has a dashboard row: its alarm and its runs', () => {
    const [, dashboard] = resourcesOf(s().stateless, 'AWS::CloudWatch::Dashboard')[0] as [
      string,
      Json,
    ];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Canary alarm (pages through degraded)');
    expect(body).toContain('CanarySuccess');
    expect(body).toContain('CanaryFailures');
  });
});
