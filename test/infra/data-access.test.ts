import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadCallerPolicyFile,
  POLICY_DIR,
  SSM_VALUE_LIMIT,
} from '../../infra/caller-policy-file.js';
import {
  type BrokerEnvironmentConfig,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
} from '../../infra/config.js';
import { TABLE_DATA_ACTIONS } from '../../infra/constructs/resource-policies.js';
import { parsePolicy } from '../../shared/domain/policy-document.js';
import {
  type Json,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  type Synth,
  statementBySid,
  synth,
} from '../support/cdk-synth.js';

const synths = {} as Record<'test' | 'prod', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
}, SYNTH_TIMEOUT_MS);

const roleArn = (config: BrokerEnvironmentConfig) =>
  `arn:aws:iam::${config.account}:role/${config.names.functionRole}`;

describe.each(['test', 'prod'] as const)('%s data-plane access', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];
  const brokerAndOps = [roleArn(config), config.access.opsRoleArn];
  const admins = [...config.access.keyAdminRoleArns];

  it('table: items for the broker and ops only, whatever other IAM policies allow; policy changes for admins', () => {
    const [, table] = resourcesOf(s().stateful, 'AWS::DynamoDB::GlobalTable')[0] as [string, Json];
    const replicas = table.Properties.Replicas;
    expect(replicas).toHaveLength(1);
    const tableArn = `arn:aws:dynamodb:${config.region}:${config.account}:table/${config.names.table}`;
    const statements = replicas[0].ResourcePolicy.PolicyDocument.Statement;
    expect(statements.map((st: Json) => st.Sid)).toEqual([
      'DenyItemAccessUnlessBrokerOrOps',
      'DenyPolicyChangeUnlessAdmin',
    ]);
    expect(statementBySid(statements, 'DenyItemAccessUnlessBrokerOrOps')).toEqual({
      Sid: 'DenyItemAccessUnlessBrokerOrOps',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: TABLE_DATA_ACTIONS,
      Resource: tableArn,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': brokerAndOps } },
    });
    for (const action of [
      'GetItem',
      'Scan',
      'Query',
      'PutItem',
      'PartiQLSelect',
      'ExportTableToPointInTime',
    ]) {
      expect(TABLE_DATA_ACTIONS).toContain(`dynamodb:${action}`);
    }
    expect(statementBySid(statements, 'DenyPolicyChangeUnlessAdmin')).toEqual({
      Sid: 'DenyPolicyChangeUnlessAdmin',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['dynamodb:DeleteResourcePolicy', 'dynamodb:PutResourcePolicy'],
      Resource: tableArn,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': admins } },
    });
  });

  it('secret: read by the broker and ops, written by ops and admins, its policy changed by admins', () => {
    const policies = resourcesOf(s().stateful, 'AWS::SecretsManager::ResourcePolicy');
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0] as [string, Json];
    const secretId = resourcesOf(s().stateful, 'AWS::SecretsManager::Secret')[0]?.[0];
    expect(policy.Properties.SecretId).toEqual({ Ref: secretId });
    expect(policy.Properties.BlockPublicPolicy).toBe(true);
    const statements = policy.Properties.ResourcePolicy.Statement;
    expect(statements).toEqual([
      {
        Sid: 'DenyReadUnlessBrokerOrOps',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': brokerAndOps } },
      },
      {
        Sid: 'DenyWriteUnlessOpsOrAdmin',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecret',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [config.access.opsRoleArn, ...admins] } },
      },
      {
        Sid: 'DenyPolicyChangeUnlessAdmin',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['secretsmanager:DeleteResourcePolicy', 'secretsmanager:PutResourcePolicy'],
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': admins } },
      },
    ]);
  });

  it('deploys the caller policy from infra/policies as an SSM String parameter named in config', () => {
    const parameters = resourcesOf(s().stateless, 'AWS::SSM::Parameter');
    expect(parameters).toHaveLength(1);
    const [, parameter] = parameters[0] as [string, Json];
    const file = readFileSync(join(POLICY_DIR, `${env}.json`), 'utf8');
    expect(parameter.Properties).toMatchObject({
      Name: config.names.policyParameter,
      Type: 'String',
      Tier: 'Standard',
      Value: JSON.stringify(JSON.parse(file)),
    });
    // The value is exactly what the broker parses (issue 10 §5: validated by parsePolicy in CI).
    expect(() => parsePolicy(JSON.parse(parameter.Properties.Value), 'ssm')).not.toThrow();
    expect(config.names.policyParameter).toBe(`/maskinporten-broker/${env}/caller-policy`);
  });
});

describe('infra/policies', () => {
  it('has exactly one policy file per environment, each valid for parsePolicy and within its tier', () => {
    expect(readdirSync(POLICY_DIR).sort()).toEqual(
      ENVIRONMENT_NAMES.map((env) => `${env}.json`).sort(),
    );
    for (const env of ENVIRONMENT_NAMES) {
      const config = ENVIRONMENTS[env];
      const document = loadCallerPolicyFile(config);
      const policy = parsePolicy(JSON.parse(document.value), document.path);
      expect(policy.rules).toHaveLength(document.ruleCount);
      expect(document.value.length).toBeLessThanOrEqual(
        SSM_VALUE_LIMIT[config.policyParameterTier],
      );
    }
  });

  const scratch = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'policies-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  const config = ENVIRONMENTS.test;
  const rule = (callers: string[]) => ({ callers, scopes: ['krr:*'], orgs: '*' });

  it.each([
    ['a missing file', {}, /No caller policy for environment "test": create .*test\.json/],
    ['a file that is not JSON', { 'test.json': '{rules:' }, /test\.json is not JSON/],
    [
      'a policy that names a key twice (JSON.parse would keep the last)',
      {
        'test.json': `{"rules":[{"callers":["arn:aws:iam::111111111111:role/x"],"scopes":["krr:*"],"orgs":["910753614"],"orgs":"*"}]}`,
      },
      /caller policy from .*test\.json is invalid: duplicate key "orgs" in rules\[0\]/,
    ],
    [
      'a pattern that can never match (a * inside a scope)',
      {
        'test.json': JSON.stringify({
          rules: [
            { callers: ['arn:aws:iam::111111111111:role/x'], scopes: ['krr:*.read'], orgs: '*' },
          ],
        }),
      },
      /rules\.0\.scopes\.0: may hold \* only at the end/,
    ],
    [
      'a policy parsePolicy refuses',
      { 'test.json': JSON.stringify({ rules: [{ callers: [], scopes: ['x'], orgs: '*' }] }) },
      /caller policy from .*test\.json is invalid: .*callers/,
    ],
    [
      'a caller in an account that may not call the API',
      { 'test.json': JSON.stringify({ rules: [rule(['arn:aws:iam::999999999999:role/x'])] }) },
      /callers outside callerAccountIds can never reach the broker: arn:aws:iam::999999999999:role\/x/,
    ],
    [
      'a policy over the Standard tier',
      {
        'test.json': JSON.stringify({
          rules: Array.from({ length: 60 }, (_, i) =>
            rule([`arn:aws:iam::111111111111:role/service-with-a-long-name-${i}`]),
          ),
        }),
      },
      /characters minified; a Standard SSM parameter holds 4096/,
    ],
  ])('fails synth and CI on %s', (_, files, message) => {
    expect(() => loadCallerPolicyFile(config, scratch(files))).toThrow(message);
  });

  it('takes a policy up to 8 KB in the Advanced tier', () => {
    const rules = Array.from({ length: 60 }, (_, i) =>
      rule([`arn:aws:iam::111111111111:role/service-with-a-long-name-${i}`]),
    );
    const dir = scratch({ 'test.json': JSON.stringify({ rules }, null, 2) });
    const document = loadCallerPolicyFile({ ...config, policyParameterTier: 'Advanced' }, dir);
    expect(document.value.length).toBeGreaterThan(SSM_VALUE_LIMIT.Standard);
    expect(document.value).toBe(JSON.stringify({ rules }));
  });
});
