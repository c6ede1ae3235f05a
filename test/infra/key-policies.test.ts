import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokerEnvironmentConfig,
  cdkExecutionRoleArn,
  ENVIRONMENTS,
} from '../../infra/config.js';
import { KEY_ADMIN_ACTIONS } from '../../infra/constructs/key-policies.js';
import {
  type Json,
  keyByAlias,
  resourcesOf,
  rotating,
  SYNTH_TIMEOUT_MS,
  type Synth,
  statementBySid,
  synth,
} from '../support/cdk-synth.js';

const withoutOps: Record<string, BrokerEnvironmentConfig> = {
  prod: {
    ...ENVIRONMENTS.prod,
    access: { keyAdminRoleArns: ENVIRONMENTS.prod.access.keyAdminRoleArns },
  },
};

const synths = {} as Record<'test' | 'prod' | 'rotating' | 'withoutOps', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
  synths.rotating = synth('test', rotating);
  synths.withoutOps = synth('prod', withoutOps);
}, SYNTH_TIMEOUT_MS);

const CRYPTO = [
  'kms:Sign',
  'kms:Verify',
  'kms:GetPublicKey',
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:CreateGrant',
];

/** The account principal: allows still need the caller's own IAM policy. */
const account = (config: BrokerEnvironmentConfig) => ({
  AWS: `arn:aws:iam::${config.account}:root`,
});
const roleArn = (config: BrokerEnvironmentConfig) =>
  `arn:aws:iam::${config.account}:role/${config.names.functionRole}`;
const keySyncRole = (config: BrokerEnvironmentConfig) =>
  `arn:aws:iam::${config.account}:role/${config.names.keySyncRole}`;
const brokerAndOps = (config: BrokerEnvironmentConfig) =>
  config.access.opsRoleArn ? [roleArn(config), config.access.opsRoleArn] : [roleArn(config)];

function keyPolicy(s: Synth, alias: string): Json[] {
  const key = s.stateful.toJSON().Resources[keyByAlias(s.stateful, alias)];
  return key.Properties.KeyPolicy.Statement;
}

/** The two statements every stateful key starts with: administration, and its guard. */
function expectAdministration(statements: Json[], config: BrokerEnvironmentConfig): void {
  const admins = [...config.access.keyAdminRoleArns];
  expect(admins).toContain(cdkExecutionRoleArn(config));
  expect(statementBySid(statements, 'KeyAdministration')).toEqual({
    Sid: 'KeyAdministration',
    Effect: 'Allow',
    Principal: account(config),
    Action: KEY_ADMIN_ACTIONS,
    Resource: '*',
    Condition: { ArnEquals: { 'aws:PrincipalArn': admins } },
  });
  expect(statementBySid(statements, 'DenyPolicyChangeAndDeletionUnlessAdmin')).toEqual({
    Sid: 'DenyPolicyChangeAndDeletionUnlessAdmin',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
    Resource: '*',
    Condition: { ArnNotEquals: { 'aws:PrincipalArn': admins } },
  });
}

describe.each(['test', 'prod'] as const)('%s key policies', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];

  it('writes an explicit policy on every key of the stateful stack (never the account-wide kms:*)', () => {
    const keys = resourcesOf(s().stateful, 'AWS::KMS::Key');
    expect(keys).toHaveLength(3);
    for (const [, key] of keys) {
      const statements: Json[] = key.Properties.KeyPolicy.Statement;
      for (const statement of statements) {
        // Every statement is ours: nothing a construct added on its own (CDK's Secret would).
        expect(statement.Sid).toMatch(/^\w+$/);
        expect(statement.Action).not.toBe('kms:*');
        if (statement.Effect === 'Allow' && statement.Principal.AWS) {
          // Every allow to the account is narrowed to named roles.
          expect(statement.Condition.ArnEquals['aws:PrincipalArn'].length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('administers keys without being able to use them, and never locks CloudFormation out', () => {
    expect(KEY_ADMIN_ACTIONS).toContain('kms:PutKeyPolicy');
    for (const action of CRYPTO) expect(KEY_ADMIN_ACTIONS).not.toContain(action);
    for (const name of ['k2026a', 'data', 'token-seal']) {
      expectAdministration(keyPolicy(s(), `alias/maskinporten-broker/${env}/${name}`), config);
    }
  });

  it('signing key: Sign (RS256 digests) and GetPublicKey for the broker and ops, GetPublicKey and DescribeKey for the key sync, Sign denied to everyone else', () => {
    const statements = keyPolicy(s(), `alias/maskinporten-broker/${env}/k2026a`);
    expect(statements.map((st) => st.Sid)).toEqual([
      'KeyAdministration',
      'DenyPolicyChangeAndDeletionUnlessAdmin',
      'SignGrantsRs256',
      'ReadPublicKey',
      'KeySyncReadsKeyState',
      'DenySignUnlessBrokerOrOps',
      'DenyGrants',
    ]);
    expect(statementBySid(statements, 'KeySyncReadsKeyState')).toEqual({
      Sid: 'KeySyncReadsKeyState',
      Effect: 'Allow',
      Principal: account(config),
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': [keySyncRole(config)] } },
    });
    const signers = brokerAndOps(config);
    expect(signers).toHaveLength(2);
    expect(statementBySid(statements, 'SignGrantsRs256')).toEqual({
      Sid: 'SignGrantsRs256',
      Effect: 'Allow',
      Principal: account(config),
      Action: 'kms:Sign',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256',
          'kms:MessageType': 'DIGEST',
        },
        ArnEquals: { 'aws:PrincipalArn': signers },
      },
    });
    expect(statementBySid(statements, 'ReadPublicKey')).toEqual({
      Sid: 'ReadPublicKey',
      Effect: 'Allow',
      Principal: account(config),
      Action: 'kms:GetPublicKey',
      Resource: '*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': [...signers, keySyncRole(config)] } },
    });
    // The key sync reads but never signs: Sign is denied to every principal but the signers.
    expect(signers).not.toContain(keySyncRole(config));
    expect(statementBySid(statements, 'DenySignUnlessBrokerOrOps')).toEqual({
      Sid: 'DenySignUnlessBrokerOrOps',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': signers } },
    });
    expect(statementBySid(statements, 'DenyGrants')).toEqual({
      Sid: 'DenyGrants',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
    });
  });

  it('token-seal key: data keys for the broker only, only in the token cache context of this table', () => {
    const statements = keyPolicy(s(), `alias/maskinporten-broker/${env}/token-seal`);
    expect(statements.map((st) => st.Sid)).toEqual([
      'KeyAdministration',
      'DenyPolicyChangeAndDeletionUnlessAdmin',
      'BrokerSealsTokens',
      'DenyCryptoUnlessBroker',
      'DenyGrants',
    ]);
    expect(statementBySid(statements, 'BrokerSealsTokens')).toEqual({
      Sid: 'BrokerSealsTokens',
      Effect: 'Allow',
      Principal: account(config),
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:purpose': 'maskinporten-broker/token-cache',
          'kms:EncryptionContext:table': config.names.table,
        },
        ArnEquals: { 'aws:PrincipalArn': [roleArn(config)] },
      },
    });
    expect(statementBySid(statements, 'DenyCryptoUnlessBroker')).toEqual({
      Sid: 'DenyCryptoUnlessBroker',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [roleArn(config)] } },
    });
    const key =
      s().stateful.toJSON().Resources[
        keyByAlias(s().stateful, `alias/maskinporten-broker/${env}/token-seal`)
      ];
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('data key: only through DynamoDB and Secrets Manager, decrypt denied beyond broker, ops and admins', () => {
    const statements = keyPolicy(s(), `alias/maskinporten-broker/${env}/data`);
    const services = [
      `dynamodb.${config.region}.amazonaws.com`,
      `secretsmanager.${config.region}.amazonaws.com`,
    ];
    const users = [...brokerAndOps(config), ...config.access.keyAdminRoleArns];
    expect(statements.map((st) => st.Sid)).toEqual([
      'KeyAdministration',
      'DenyPolicyChangeAndDeletionUnlessAdmin',
      'UseThroughDynamoDbAndSecretsManager',
      'KeySyncReadsSecretThroughSecretsManager',
      'DynamoDbReadsKeyMetadata',
      'DenyUseOutsideDynamoDbAndSecretsManager',
      'DenyDecryptUnlessBrokerOpsAdminOrKeySync',
    ]);
    expect(statementBySid(statements, 'KeySyncReadsSecretThroughSecretsManager')).toEqual({
      Sid: 'KeySyncReadsSecretThroughSecretsManager',
      Effect: 'Allow',
      Principal: account(config),
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${config.region}.amazonaws.com`,
          'kms:CallerAccount': config.account,
        },
        ArnEquals: { 'aws:PrincipalArn': [keySyncRole(config)] },
      },
    });
    expect(statementBySid(statements, 'UseThroughDynamoDbAndSecretsManager')).toEqual({
      Sid: 'UseThroughDynamoDbAndSecretsManager',
      Effect: 'Allow',
      Principal: account(config),
      Action: [
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
      ],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': services, 'kms:CallerAccount': config.account },
        ArnEquals: { 'aws:PrincipalArn': users },
      },
    });
    expect(statementBySid(statements, 'DynamoDbReadsKeyMetadata')).toEqual({
      Sid: 'DynamoDbReadsKeyMetadata',
      Effect: 'Allow',
      Principal: { Service: 'dynamodb.amazonaws.com' },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
      Resource: '*',
    });
    expect(statementBySid(statements, 'DenyUseOutsideDynamoDbAndSecretsManager')).toEqual({
      Sid: 'DenyUseOutsideDynamoDbAndSecretsManager',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      // AWS services acting as themselves (DynamoDB through the table's grant) are not denied.
      Condition: {
        StringNotEquals: { 'kms:ViaService': services },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    expect(statementBySid(statements, 'DenyDecryptUnlessBrokerOpsAdminOrKeySync')).toEqual({
      Sid: 'DenyDecryptUnlessBrokerOpsAdminOrKeySync',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [...users, keySyncRole(config)] },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
  });

  it('builds the role ARNs as strings: the stateful stack never references the stateless one', () => {
    const text = JSON.stringify(s().stateful.toJSON());
    expect(text).not.toContain('Fn::GetStackOutput');
    expect(text).not.toContain('Fn::ImportValue');
    expect(text).toContain(`"${roleArn(config)}"`);
    expect(s().built.stateless.dependencies.map((stack) => stack.stackName)).toEqual([
      s().built.stateful.stackName,
    ]);
    expect(s().built.stateful.dependencies).toEqual([]);
  });
});

describe('without an ops role', () => {
  it('lets only the broker sign, and the broker and the key sync read public keys', () => {
    const s = synths.withoutOps;
    expect(s.synthError).toBeUndefined();
    const config = withoutOps.prod as BrokerEnvironmentConfig;
    const statements = keyPolicy(s, 'alias/maskinporten-broker/prod/k2026a');
    expect(statementBySid(statements, 'SignGrantsRs256').Condition.ArnEquals).toEqual({
      'aws:PrincipalArn': [roleArn(config)],
    });
    expect(statementBySid(statements, 'ReadPublicKey').Condition.ArnEquals).toEqual({
      'aws:PrincipalArn': [roleArn(config), keySyncRole(config)],
    });
    expect(statementBySid(statements, 'DenySignUnlessBrokerOrOps').Condition).toEqual({
      ArnNotEquals: { 'aws:PrincipalArn': [roleArn(config)] },
    });
  });
});

describe('during a rotation', () => {
  it('gives every signing key, retired or live, the same explicit policy', () => {
    const s = synths.rotating;
    const policies = ['k2025a', 'k2026a', 'k2026b'].map((name) =>
      JSON.stringify(keyPolicy(s, `alias/maskinporten-broker/test/${name}`)),
    );
    expect(new Set(policies).size).toBe(1);
  });
});
