import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AccessPrincipals } from '../access.js';
import { SECRET_PLACEHOLDER } from '../secret-placeholder.js';
import { configSecretStatements } from './resource-policies.js';

export { SECRET_PLACEHOLDER };

export interface BrokerConfigSecretProps {
  readonly secretName: string;
  readonly encryptionKey: kms.IKey;
  readonly principals: AccessPrincipals;
}

/**
 * The broker's configuration secret (read at cold start): `{"clientId", "systemId"?, "kid"?,
 * "kidNext"?}`. It holds identifiers, not a credential: the broker's Maskinporten credential is the
 * KMS signing key, which never leaves KMS. The caller policy is not here but in an SSM parameter
 * deployed from `infra/policies/<env>.json`. A resource policy keeps the value to the broker and ops.
 */
export class BrokerConfigSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: BrokerConfigSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'maskinporten-broker configuration: clientId, systemId, kid, kidNext',
      encryptionKey: props.encryptionKey,
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    for (const statement of configSecretStatements(props.principals)) {
      this.secret.addToResourcePolicy(statement);
    }
    // Secrets Manager refuses any later policy that would open the secret to other accounts.
    const policy = this.secret.node.findChild('Policy').node.defaultChild;
    (policy as secretsmanager.CfnResourcePolicy).blockPublicPolicy = true;
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Nothing to rotate: the secret holds the Maskinporten client id, the Altinn system id and optional kids, edited by ops. The credential is the KMS signing key, rotated by the documented key runbook (asymmetric KMS keys cannot be auto-rotated).',
    });
  }
}
