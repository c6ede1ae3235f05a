import * as iam from 'aws-cdk-lib/aws-iam';
import { type AccessPrincipals, brokerAndOps, tokenSealEncryptionContext } from '../access.js';

/**
 * Administration of a key, never its use: no Sign, GetPublicKey, Encrypt, Decrypt, data keys or
 * grants. Covers what CloudFormation does to a key and its alias (create, read, update, disable,
 * tag, schedule deletion), rotation included (a no-op request on asymmetric keys).
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** The actions that could read or produce data under a symmetric key. */
export const SYMMETRIC_CRYPTO_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];

/** The only signing the broker does: RS256 over a SHA-256 digest it computed itself. */
export const SIGN_CONDITIONS = {
  'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256',
  'kms:MessageType': 'DIGEST',
};

const is = (arns: readonly string[]) => ({ 'aws:PrincipalArn': [...arns] });

/** Allow, to the principals with these ARNs only (through the account, see `AccessPrincipals`). */
function allowTo(
  p: AccessPrincipals,
  sid: string,
  arns: readonly string[],
  actions: string[],
  conditions: Record<string, Record<string, unknown>> = {},
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.AccountPrincipal(p.account)],
    actions,
    resources: ['*'],
    conditions: { ...conditions, ArnEquals: is(arns) },
  });
}

/** Deny to everyone whose ARN is not one of these (the root user and AWS services included). */
function denyUnless(sid: string, arns: readonly string[], actions: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions,
    resources: ['*'],
    conditions: { ArnNotEquals: is(arns) },
  });
}

function administration(p: AccessPrincipals): iam.PolicyStatement[] {
  return [
    allowTo(p, 'KeyAdministration', p.admins, KEY_ADMIN_ACTIONS),
    denyUnless('DenyPolicyChangeAndDeletionUnlessAdmin', p.admins, [
      'kms:PutKeyPolicy',
      'kms:ScheduleKeyDeletion',
    ]),
  ];
}

/** Nobody needs a grant on these keys, and a grant is a way around the key policy's allows. */
const denyGrants = () =>
  new iam.PolicyStatement({
    sid: 'DenyGrants',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
  });

/**
 * A Maskinporten signing key signs for the broker only. Sign (RS256 digests) and GetPublicKey for
 * the broker's role and the ops role; GetPublicKey and DescribeKey, never Sign, for the key sync
 * (it registers the public key and removes a retired key's kid once the key is disabled);
 * administration, without either, for the admins; an explicit deny of Sign to every other
 * principal, so no `kms:*` IAM policy, account admin or grant can mint grants; PutKeyPolicy and
 * ScheduleKeyDeletion denied to all but the admins.
 */
export function signingKeyPolicy(p: AccessPrincipals): iam.PolicyDocument {
  const signers = brokerAndOps(p);
  return new iam.PolicyDocument({
    statements: [
      ...administration(p),
      allowTo(p, 'SignGrantsRs256', signers, ['kms:Sign'], { StringEquals: SIGN_CONDITIONS }),
      allowTo(p, 'ReadPublicKey', [...signers, p.keySync], ['kms:GetPublicKey']),
      allowTo(p, 'KeySyncReadsKeyState', [p.keySync], ['kms:DescribeKey']),
      denyUnless('DenySignUnlessBrokerOrOps', signers, ['kms:Sign']),
      denyGrants(),
    ],
  });
}

/**
 * The key that seals cached tokens (AES-256-GCM data keys): only the broker generates and opens
 * data keys, and only with the token cache's encryption context for this table. Ops can read the
 * table but not a token in it.
 */
export function tokenSealKeyPolicy(p: AccessPrincipals, tableName: string): iam.PolicyDocument {
  const context = Object.fromEntries(
    Object.entries(tokenSealEncryptionContext(tableName)).map(([key, value]) => [
      `kms:EncryptionContext:${key}`,
      value,
    ]),
  );
  return new iam.PolicyDocument({
    statements: [
      ...administration(p),
      allowTo(p, 'BrokerSealsTokens', [p.broker], ['kms:GenerateDataKey', 'kms:Decrypt'], {
        StringEquals: context,
      }),
      denyUnless('DenyCryptoUnlessBroker', [p.broker], SYMMETRIC_CRYPTO_ACTIONS),
      denyGrants(),
    ],
  });
}

/**
 * The key under the table's and the secret's encryption at rest. It works only through DynamoDB
 * and Secrets Manager (whose resource policies decide who reads), for the broker, ops and the
 * admins (CloudFormation creates the table and the secret through those services), and for the key
 * sync's decryption of the secret through Secrets Manager only; nobody uses it directly. Calls AWS
 * services make as themselves (DynamoDB with the table's grant) are exempt from the denies.
 */
export function dataKeyPolicy(p: AccessPrincipals): iam.PolicyDocument {
  const services = [
    `dynamodb.${p.region}.amazonaws.com`,
    `secretsmanager.${p.region}.amazonaws.com`,
  ];
  const notAnAwsService = { 'aws:PrincipalIsAWSService': 'false' };
  return new iam.PolicyDocument({
    statements: [
      ...administration(p),
      allowTo(
        p,
        'UseThroughDynamoDbAndSecretsManager',
        [...brokerAndOps(p), ...p.admins],
        [...SYMMETRIC_CRYPTO_ACTIONS, 'kms:DescribeKey', 'kms:CreateGrant'],
        { StringEquals: { 'kms:ViaService': services, 'kms:CallerAccount': p.account } },
      ),
      allowTo(p, 'KeySyncReadsSecretThroughSecretsManager', [p.keySync], ['kms:Decrypt'], {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${p.region}.amazonaws.com`,
          'kms:CallerAccount': p.account,
        },
      }),
      // What DynamoDB's documentation asks for so it can watch the key's state.
      new iam.PolicyStatement({
        sid: 'DynamoDbReadsKeyMetadata',
        principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
        actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'DenyUseOutsideDynamoDbAndSecretsManager',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: SYMMETRIC_CRYPTO_ACTIONS,
        resources: ['*'],
        conditions: {
          StringNotEquals: { 'kms:ViaService': services },
          Bool: notAnAwsService,
        },
      }),
      new iam.PolicyStatement({
        sid: 'DenyDecryptUnlessBrokerOpsAdminOrKeySync',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnNotEquals: is([...brokerAndOps(p), ...p.admins, p.keySync]),
          Bool: notAnAwsService,
        },
      }),
    ],
  });
}
