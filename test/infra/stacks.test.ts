import { readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BrokerApp, buildBrokerApp } from '../../infra/broker-app.js';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';
import { SECRET_PLACEHOLDER } from '../../infra/constructs/broker-config-secret.js';
import { ROUTES } from '../../infra/constructs/token-api.js';
import { BROKER_METRIC_NAMES, METRIC_NAMESPACE } from '../../infra/metric-names.js';
import { ENV } from '../../shared/config/env-names.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));

interface Synth {
  readonly app: App;
  readonly built: BrokerApp;
  readonly synthError: unknown;
  readonly stateful: Template;
  readonly stateless: Template;
}

/** The app as `cdk synth -c env=<env>` builds it (same feature flags), bundling skipped. */
function synth(env: string, environments?: Record<string, BrokerEnvironmentConfig>): Synth {
  const app = new App({
    context: { ...cdkJson.context, env, 'aws:cdk:bundling-stacks': [] },
  });
  const built = buildBrokerApp(app, environments);
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  return {
    app,
    built,
    synthError,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
}

const rotating: Record<string, BrokerEnvironmentConfig> = {
  test: {
    ...ENVIRONMENTS.test,
    signingKeys: [
      { name: 'k2025a', retired: true },
      { name: 'k2026a', active: true },
      { name: 'k2026b' },
    ],
  },
};

const synths = {} as Record<'test' | 'prod' | 'rotating', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
  synths.rotating = synth('test', rotating);
});

/** Follows a `Fn::GetStackOutput` into the stateful template: the logical id it points at. */
function statefulTarget(s: Synth, value: Json): string | undefined {
  const ref = value?.['Fn::GetStackOutput'];
  if (!ref) return undefined;
  const output = s.stateful.toJSON().Outputs?.[ref.OutputName]?.Value;
  return output?.['Fn::GetAtt']?.[0] ?? output?.Ref;
}

function resourcesOf(t: Template, type: string): [string, Json][] {
  return Object.entries(t.findResources(type));
}

function logicalIdOf(t: Template, type: string, props: Json = {}): string {
  const found = Object.keys(t.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

function functionRoleStatements(s: Synth): Json[] {
  const [, fn] = resourcesOf(s.stateless, 'AWS::Lambda::Function')[0] as [string, Json];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const role = s.stateless.toJSON().Resources[roleId];
  expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  expect(role.Properties.Policies ?? []).toEqual([]);
  const policies = resourcesOf(s.stateless, 'AWS::IAM::Policy').filter(([, policy]) =>
    policy.Properties.Roles.some((r: Json) => r.Ref === roleId),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

const asList = (value: Json): Json[] => (Array.isArray(value) ? value : [value]);

describe.each(['test', 'prod'] as const)('%s environment', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];

  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions findings', () => {
    expect(s().synthError).toBeUndefined();
    expect(s().built.stateful.stackName).toBe(`MaskinportenBroker-${env}-stateful`);
    expect(s().built.stateless.stackName).toBe(`MaskinportenBroker-${env}-stateless`);
    expect(s().built.stateful.account).toBe(config.account);
    expect(s().built.stateless.region).toBe(config.region);
  });

  describe('stateful stack', () => {
    it('has a retained RSA_2048 SIGN_VERIFY signing key with its alias', () => {
      const t = s().stateful;
      t.hasResource('AWS::KMS::Key', {
        Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      const keyId = logicalIdOf(t, 'AWS::KMS::Key', { KeyUsage: 'SIGN_VERIFY' });
      t.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/maskinporten-broker/${env}/k2026a`,
        TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    });

    it('encrypts an on-demand table (pk, TTL on ttl) with a rotating customer-managed key', () => {
      const t = s().stateful;
      t.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ EnableKeyRotation: true, KeySpec: Match.absent() }),
        DeletionPolicy: 'Retain',
      });
      const dataKey = logicalIdOf(t, 'AWS::KMS::Key', { EnableKeyRotation: true });
      t.hasResource('AWS::DynamoDB::GlobalTable', {
        Properties: Match.objectLike({
          TableName: config.names.table,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            Match.objectLike({
              Region: config.region,
              SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] } },
              DeletionProtectionEnabled: config.tableDeletionProtection,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
            }),
          ],
        }),
        DeletionPolicy: 'Retain',
      });
    });

    it('creates the config secret with the placeholder only, encrypted with the data key', () => {
      const t = s().stateful;
      const dataKey = logicalIdOf(t, 'AWS::KMS::Key', { EnableKeyRotation: true });
      t.hasResource('AWS::SecretsManager::Secret', {
        Properties: Match.objectLike({
          Name: config.names.secret,
          KmsKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] },
          SecretString: JSON.stringify(SECRET_PLACEHOLDER),
        }),
        DeletionPolicy: 'Retain',
      });
      expect(SECRET_PLACEHOLDER).toEqual({ clientId: '', policy: {} });
      t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    });
  });

  describe('stateless stack', () => {
    it('runs the bundled token Lambda on Node 24, ARM64, X-Ray, with the env contract', () => {
      const t = s().stateless;
      const [, fn] = resourcesOf(t, 'AWS::Lambda::Function')[0] as [string, Json];
      expect(resourcesOf(t, 'AWS::Lambda::Function')).toHaveLength(1);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: 10,
        Handler: 'index.handler',
      });
      const vars = fn.Properties.Environment.Variables;
      expect(Object.keys(vars).sort()).toEqual(
        [
          ENV.issuer,
          ENV.altinnPlatform,
          ENV.signingKey,
          ENV.tokenCacheTable,
          ENV.configSecret,
          ENV.environment,
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_LOG_LEVEL',
          'NODE_OPTIONS',
        ].sort(),
      );
      expect(vars).toMatchObject({
        MASKINPORTEN_ISSUER: config.maskinportenIssuer,
        ALTINN_PLATFORM_URL: config.altinnPlatformUrl,
        BROKER_ENVIRONMENT: env,
        POWERTOOLS_SERVICE_NAME: 'maskinporten-broker',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      });
      const [prefix, arn] = vars.SIGNING_KEY['Fn::Join'][1];
      expect(prefix).toBe('kms:');
      const signingKey = logicalIdOf(s().stateful, 'AWS::KMS::Key', { KeyUsage: 'SIGN_VERIFY' });
      expect(statefulTarget(s(), arn)).toBe(signingKey);
      expect(statefulTarget(s(), vars.TOKEN_CACHE_TABLE)).toBe(
        logicalIdOf(s().stateful, 'AWS::DynamoDB::GlobalTable'),
      );
      expect(statefulTarget(s(), vars.BROKER_CONFIG_SECRET)).toBe(
        logicalIdOf(s().stateful, 'AWS::SecretsManager::Secret'),
      );
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: config.logRetentionDays },
        DeletionPolicy: 'Retain',
      });
      expect(t.toJSON().Resources[logGroup].Properties.RetentionInDays).toBe(
        config.logRetentionDays,
      );
    });

    it('is a PRIVATE REST API on the configured VPC endpoints, denying any other source', () => {
      const arns = config.callerAccountIds.map((account) => `arn:aws:iam::${account}:root`);
      const callerPrincipals = arns.length === 1 ? arns[0] : arns;
      s().stateless.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: {
          Types: ['PRIVATE'],
          VpcEndpointIds: [...config.network.executeApiVpcEndpointIds],
        },
        Policy: {
          Statement: [
            {
              Sid: 'DenyUnlessThroughOurVpcEndpoints',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
              Condition: {
                StringNotEquals: { 'aws:SourceVpce': [...config.network.executeApiVpcEndpointIds] },
              },
            },
            {
              Sid: 'AllowCallerAccounts',
              Effect: 'Allow',
              Principal: { AWS: callerPrincipals },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
            },
          ],
        },
      });
    });

    it('serves exactly the contract routes, every method AWS_IAM, POST bodies validated', () => {
      const t = s().stateless;
      const resources: Record<string, Json> = t.findResources('AWS::ApiGateway::Resource');
      const pathOf = (parent: Json): string => {
        const id = parent?.Ref;
        if (!id) return '';
        const resource = resources[id];
        return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
      };
      const validator = logicalIdOf(t, 'AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
      });
      const model = logicalIdOf(t, 'AWS::ApiGateway::Model', {
        ContentType: 'application/json',
      });
      const methods = resourcesOf(t, 'AWS::ApiGateway::Method').map(([, { Properties: p }]) => {
        expect(p.AuthorizationType).toBe('AWS_IAM');
        expect(p.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
        if (p.HttpMethod === 'POST') {
          expect(p.RequestValidatorId).toEqual({ Ref: validator });
          expect(p.RequestModels).toEqual({ 'application/json': { Ref: model } });
        }
        return `${p.HttpMethod} ${pathOf(p.ResourceId)}`;
      });
      expect(methods.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
      const schema = t.toJSON().Resources[model].Properties.Schema;
      expect(schema).toMatchObject({ type: 'object', maxProperties: 16 });
    });

    it('logs access as JSON, logs execution errors only, throttles and traces the stage', () => {
      const t = s().stateless;
      const [, stage] = resourcesOf(t, 'AWS::ApiGateway::Stage')[0] as [string, Json];
      const p = stage.Properties;
      expect(p.StageName).toBe(env);
      expect(p.TracingEnabled).toBe(true);
      expect(p.MethodSettings).toEqual([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: false,
          ThrottlingRateLimit: config.api.throttlingRateLimit,
          ThrottlingBurstLimit: config.api.throttlingBurstLimit,
        },
      ]);
      const format = JSON.parse(p.AccessLogSetting.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        userArn: '$context.identity.userArn',
        vpceId: '$context.identity.vpceId',
      });
      expect(JSON.stringify(p.AccessLogSetting.DestinationArn)).toContain('ApiAccessLogs');
      t.resourceCountIs('AWS::ApiGateway::Account', config.api.createCloudWatchRole ? 1 : 0);
    });

    it('answers gateway errors in the broker shape {error, error_description}', () => {
      for (const [, response] of resourcesOf(s().stateless, 'AWS::ApiGateway::GatewayResponse')) {
        const body = JSON.parse(
          response.Properties.ResponseTemplates['application/json'].replace(
            '$context.error.messageString',
            '"message"',
          ),
        );
        expect(Object.keys(body)).toEqual(['error', 'error_description']);
      }
    });

    it('charts every EMF metric with exactly {service, environment} on the dashboard', () => {
      const [, dashboard] = resourcesOf(s().stateless, 'AWS::CloudWatch::Dashboard')[0] as [
        string,
        Json,
      ];
      const body = dashboard.Properties.DashboardBody['Fn::Join'][1]
        .filter((part: Json) => typeof part === 'string')
        .join('');
      for (const name of BROKER_METRIC_NAMES) {
        expect(body).toContain(
          `["${METRIC_NAMESPACE}","${name}","environment","${env}","service","maskinporten-broker",`,
        );
      }
      const emfEntries = body.match(/\["MaskinportenBroker","\w+",[^{]*\{/g) ?? [];
      for (const entry of emfEntries) {
        expect(entry).toMatch(
          new RegExp(
            `^\\["MaskinportenBroker","\\w+","environment","${env}","service","maskinporten-broker",\\{$`,
          ),
        );
      }
      expect(body).toContain('IF(');
      expect(body).toContain('FILL(hm, 0)');
      expect(body).toContain('"AWS/Lambda","Duration"');
      expect(body).toContain('"AWS/ApiGateway","5XXError"');
    });

    it('alarms on Maskinporten errors, 5xx, throttles and a falling hit ratio to an encrypted topic', () => {
      const t = s().stateless;
      const topic = logicalIdOf(t, 'AWS::SNS::Topic');
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: config.alarms.email,
        TopicArn: { Ref: topic },
      });
      const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      expect(alarms.map((a) => a.AlarmName).sort()).toEqual(
        [
          'api-5xx',
          'cache-hit-ratio-low',
          'lambda-errors',
          'lambda-throttles',
          'maskinporten-failures',
          'maskinporten-grant-rejected',
        ].map((name) => `maskinporten-broker-${env}-${name}`),
      );
      for (const alarm of alarms) {
        expect(alarm.TreatMissingData).toBe('notBreaching');
        expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
        const emf = [
          ...(alarm.Namespace === METRIC_NAMESPACE ? [alarm] : []),
          ...(alarm.Metrics ?? [])
            .map((m: Json) => m.MetricStat?.Metric)
            .filter((m: Json) => m?.Namespace === METRIC_NAMESPACE),
        ];
        for (const metric of emf) {
          expect(metric.Dimensions).toEqual([
            { Name: 'environment', Value: env },
            { Name: 'service', Value: 'maskinporten-broker' },
          ]);
        }
      }
      const ratio = alarms.find((a) => a.AlarmName.endsWith('cache-hit-ratio-low'));
      expect(ratio.ComparisonOperator).toBe('LessThanThreshold');
      expect(ratio.Metrics[0].Expression).toMatch(/^IF\(.*>= 20, 100 \* /);
    });
  });

  describe('least privilege of the function role', () => {
    it('has no service wildcards and no wildcard resource except the X-Ray statement', () => {
      for (const statement of functionRoleStatements(s())) {
        const actions = asList(statement.Action);
        for (const action of actions) {
          expect(action).not.toMatch(/^(\*|[a-z-]+:\*)$/);
          expect(action).not.toMatch(/^(kms|dynamodb|secretsmanager):.*\*/);
        }
        if (asList(statement.Resource).includes('*')) {
          expect(statement).toEqual({
            Effect: 'Allow',
            Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
            Resource: '*',
          });
        } else {
          for (const resource of asList(statement.Resource)) {
            expect(JSON.stringify(resource)).not.toMatch(/"\*"|:\*"/);
          }
        }
        expect(statement.Effect).toBe('Allow');
      }
    });

    it('grants exactly Get/Put/UpdateItem on the table and GetSecretValue on the secret', () => {
      const statements = functionRoleStatements(s());
      const onService = (prefix: string) =>
        statements.filter((st) => asList(st.Action).some((a: string) => a.startsWith(prefix)));
      const table = onService('dynamodb:');
      expect(table).toHaveLength(1);
      expect(asList(table[0].Action).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      expect(statefulTarget(s(), table[0].Resource)).toBe(
        logicalIdOf(s().stateful, 'AWS::DynamoDB::GlobalTable'),
      );
      const secret = onService('secretsmanager:');
      expect(secret).toHaveLength(1);
      expect(secret[0].Action).toBe('secretsmanager:GetSecretValue');
      expect(statefulTarget(s(), secret[0].Resource)).toBe(
        logicalIdOf(s().stateful, 'AWS::SecretsManager::Secret'),
      );
    });

    it('uses signing keys only for Sign (RS256 digest) and GetPublicKey, the data key only via services', () => {
      const stateful = s().stateful.toJSON().Resources;
      const kmsStatements = functionRoleStatements(s()).filter((st) =>
        asList(st.Action).some((a: string) => a.startsWith('kms:')),
      );
      expect(kmsStatements.length).toBeGreaterThan(0);
      for (const statement of kmsStatements) {
        const targets = asList(statement.Resource).map((r) => statefulTarget(s(), r));
        const usages = targets.map((id) => stateful[id as string]?.Properties.KeyUsage);
        expect(usages.every((u) => u === usages[0])).toBe(true);
        if (usages[0] === 'SIGN_VERIFY') {
          expect(['kms:Sign', 'kms:GetPublicKey']).toContain(statement.Action);
          if (statement.Action === 'kms:Sign') {
            expect(statement.Condition).toEqual({
              StringEquals: {
                'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256',
                'kms:MessageType': 'DIGEST',
              },
            });
          }
        } else {
          expect(usages[0]).toBeUndefined(); // symmetric data key (default usage)
          expect(targets).toEqual([
            logicalIdOf(s().stateful, 'AWS::KMS::Key', { EnableKeyRotation: true }),
          ]);
          expect(statement.Condition.StringEquals['kms:ViaService']).toMatch(
            new RegExp(`^(dynamodb|secretsmanager)\\.${config.region}\\.amazonaws\\.com$`),
          );
          expect(asList(statement.Action)).not.toContain('kms:Sign');
        }
      }
    });
  });

  it('acknowledges cdk-nag findings narrowly, each with a reviewable reason', () => {
    const acknowledgements = collectAcknowledgements(s().app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    const allowed = [
      /^AwsSolutions::AwsSolutions-SMG4$/,
      /^AwsSolutions::AwsSolutions-COG4$/,
      /^AwsSolutions::AwsSolutions-APIG3$/,
      /^AwsSolutions::AwsSolutions-IAM5\[Resource::\*\]$/,
      /^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs\]$/,
    ];
    for (const { path, id, reason, scope } of acknowledgements) {
      expect(
        allowed.some((pattern) => pattern.test(id)),
        `${id} at ${path}`,
      ).toBe(true);
      expect(Stack.isStack(scope) || scope.node.scope === undefined, path).toBe(false);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(100);
      expect(reason).not.toMatch(/TODO|TBD|fixme/i);
    }
  });
});

function collectAcknowledgements(app: App) {
  return app.node.findAll().flatMap((scope: IConstruct) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: scope.node.path,
          id,
          reason,
          scope,
        })),
      ),
  );
}

describe('key rotation', () => {
  it('passes the next key as SIGNING_KEY_NEXT and never grants a retired key', () => {
    const s = synths.rotating;
    expect(s.synthError).toBeUndefined();
    const stateful = s.stateful.toJSON().Resources;
    const keyByAlias = (name: string) =>
      Object.values(stateful as Record<string, Json>).find(
        (r) =>
          r.Type === 'AWS::KMS::Alias' &&
          r.Properties.AliasName === `alias/maskinporten-broker/test/${name}`,
      ).Properties.TargetKeyId['Fn::GetAtt'][0];
    s.stateful.resourceCountIs('AWS::KMS::Key', 4);
    const [, fn] = resourcesOf(s.stateless, 'AWS::Lambda::Function')[0] as [string, Json];
    const vars = fn.Properties.Environment.Variables;
    expect(statefulTarget(s, vars.SIGNING_KEY['Fn::Join'][1][1])).toBe(keyByAlias('k2026a'));
    expect(statefulTarget(s, vars.SIGNING_KEY_NEXT['Fn::Join'][1][1])).toBe(keyByAlias('k2026b'));
    for (const action of ['kms:Sign', 'kms:GetPublicKey']) {
      const statement = functionRoleStatements(s).find((st) => st.Action === action);
      expect(
        asList(statement.Resource)
          .map((r) => statefulTarget(s, r))
          .sort(),
      ).toEqual([keyByAlias('k2026a'), keyByAlias('k2026b')].sort());
    }
    expect(JSON.stringify(s.stateless.toJSON())).not.toContain(keyByAlias('k2025a'));
  });
});

describe('environment selection', () => {
  it('fails with the valid environments for an unknown -c env', () => {
    const app = new App({ context: { env: 'staging', 'aws:cdk:bundling-stacks': [] } });
    expect(() => buildBrokerApp(app)).toThrow(
      'Unknown environment "staging": valid environments are test, prod',
    );
  });

  it('keeps the feature flags cdk init generates and runs the app with tsx', () => {
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(Object.keys(cdkJson.context).length).toBeGreaterThanOrEqual(89);
  });
});
