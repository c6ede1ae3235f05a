import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { accessPrincipals } from '../access.js';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { BrokerConfigSecret } from '../constructs/broker-config-secret.js';
import { dataKeyPolicy, tokenSealKeyPolicy } from '../constructs/key-policies.js';
import { type SigningKey, SigningKeys } from '../constructs/signing-keys.js';
import { TokenCacheTable } from '../constructs/token-cache-table.js';

export interface StatefulStackProps extends StackProps {
  readonly config: BrokerEnvironmentConfig;
}

/**
 * The stateful stack's outputs the stateless stack reads (weak references, `Fn::GetStackOutput`).
 * They are permanent: written whether or not anything reads them, so a rollback of the stateless
 * stack always finds the values its previous template used.
 */
export const STATEFUL_OUTPUTS = {
  dataKeyArn: 'DataKeyArn',
  tokenSealKeyArn: 'TokenSealKeyArn',
} as const;

/**
 * Everything that holds state or identity and must survive a redeploy: the signing keys, the data
 * key (table and secret at rest), the token-seal key (tokens inside the table), the token cache and
 * the configuration secret. Every key and resource policy is explicit and names the broker's role
 * by its ARN string, so this stack never references the stateless one.
 */
export class StatefulStack extends Stack {
  readonly signingKeys: readonly SigningKey[];
  /** Customer-managed symmetric key for the token table and the configuration secret at rest. */
  readonly dataKey: kms.Key;
  /** Symmetric key the broker seals each cached token with (envelope encryption). */
  readonly tokenSealKey: kms.Key;
  readonly table: dynamodb.TableV2;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const principals = accessPrincipals(config);

    this.signingKeys = new SigningKeys(this, 'SigningKeys', {
      environment: config.name,
      keys: config.signingKeys,
      principals,
    }).keys;

    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${SERVICE_NAME}/${config.name}/data`,
      description: `Encrypts the ${SERVICE_NAME} token cache and configuration secret at rest (${config.name})`,
      enableKeyRotation: true,
      policy: dataKeyPolicy(principals),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.tokenSealKey = new kms.Key(this, 'TokenSealKey', {
      alias: `alias/${SERVICE_NAME}/${config.name}/token-seal`,
      description: `Data keys that seal each cached token of ${SERVICE_NAME} (${config.name}); broker only`,
      enableKeyRotation: true,
      policy: tokenSealKeyPolicy(principals, config.names.table),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.table = new TokenCacheTable(this, 'TokenCache', {
      tableName: config.names.table,
      encryptionKey: this.dataKey,
      deletionProtection: config.tableDeletionProtection,
      removal: config.tableRemoval,
      principals,
    }).table;

    this.secret = new BrokerConfigSecret(this, 'Config', {
      secretName: config.names.secret,
      // By reference: given the key itself, CDK's Secret would add a statement opening the key to
      // every principal of the account through Secrets Manager. The data key policy says who may.
      encryptionKey: kms.Key.fromKeyArn(this, 'DataKeyForSecret', this.dataKey.keyArn),
      principals,
    }).secret;

    new CfnOutput(this, STATEFUL_OUTPUTS.dataKeyArn, { value: this.dataKey.keyArn });
    new CfnOutput(this, STATEFUL_OUTPUTS.tokenSealKeyArn, { value: this.tokenSealKey.keyArn });
  }
}
