import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface BrokerConfigSecretProps {
  readonly secretName: string;
  readonly encryptionKey: kms.IKey;
}

/**
 * The placeholder CloudFormation writes once. Ops replace the value (client id, optional kid and
 * kidNext, caller policy) with `aws secretsmanager put-secret-value`; CloudFormation never touches
 * it again as long as this placeholder is unchanged. Do not edit it: a changed template value would
 * overwrite what ops stored. It is deliberately invalid (empty client id, no policy rules), so a
 * broker started before ops fill it in fails its cold start instead of running unconfigured.
 */
export const SECRET_PLACEHOLDER = { clientId: '', policy: {} } as const;

/**
 * The broker's configuration secret (read at cold start): `{"clientId", "kid"?, "kidNext"?,
 * "policy"}`. It holds identifiers and the caller policy, not a credential: the broker's
 * Maskinporten credential is the KMS signing key, which never leaves KMS.
 */
export class BrokerConfigSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: BrokerConfigSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'maskinporten-broker configuration: clientId, kid, kidNext, caller policy',
      encryptionKey: props.encryptionKey,
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Nothing to rotate: the secret holds the Maskinporten client id, optional kids and the caller policy, edited by ops. The credential is the KMS signing key, rotated by the documented key runbook (asymmetric KMS keys cannot be auto-rotated).',
    });
  }
}
