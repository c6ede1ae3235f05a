import * as iam from 'aws-cdk-lib/aws-iam';
import { type AccessPrincipals, brokerAndOps } from '../access.js';

/**
 * Every way to read or write items, or to copy them out of the table. CloudFormation needs none of
 * them (it manages the table through control-plane actions).
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:CreateBackup',
  'dynamodb:DeleteItem',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:GetItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

function denyUnless(
  sid: string,
  arns: readonly string[],
  actions: string[],
  resources: string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions,
    resources,
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...arns] } },
  });
}

/**
 * The token table's resource policy: items only for the broker and ops, whatever IAM policies the
 * account's other principals hold; only admins (CloudFormation) change the policy itself.
 */
export function tokenTablePolicy(p: AccessPrincipals, tableArn: string): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      denyUnless('DenyItemAccessUnlessBrokerOrOps', brokerAndOps(p), TABLE_DATA_ACTIONS, [
        tableArn,
      ]),
      denyUnless(
        'DenyPolicyChangeUnlessAdmin',
        p.admins,
        ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'],
        [tableArn],
      ),
    ],
  });
}

/**
 * The configuration secret's resource policy: the value is read by the broker, ops and the key sync
 * (the client id and the kids it registers) only, written by ops (or an admin when there is no ops
 * role: somebody has to fill it), and only admins change the policy. CloudFormation (an admin)
 * keeps updating the secret's description and key.
 */
export function configSecretStatements(p: AccessPrincipals): iam.PolicyStatement[] {
  const writers = p.ops ? [p.ops, ...p.admins] : p.admins;
  return [
    denyUnless(
      'DenyReadUnlessBrokerOpsOrKeySync',
      [...brokerAndOps(p), p.keySync],
      ['secretsmanager:GetSecretValue'],
      ['*'],
    ),
    denyUnless(
      'DenyWriteUnlessOpsOrAdmin',
      writers,
      [
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecret',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      ['*'],
    ),
    denyUnless(
      'DenyPolicyChangeUnlessAdmin',
      p.admins,
      ['secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy'],
      ['*'],
    ),
  ];
}
