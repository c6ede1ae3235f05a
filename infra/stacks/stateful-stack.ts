import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { BrokerConfigSecret } from '../constructs/broker-config-secret.js';
import { type SigningKey, SigningKeys } from '../constructs/signing-keys.js';
import { TokenCacheTable } from '../constructs/token-cache-table.js';

export interface StatefulStackProps extends StackProps {
  readonly config: BrokerEnvironmentConfig;
}

/**
 * Everything that holds state or identity and must survive a redeploy: the signing keys, the data
 * key, the token cache and the configuration secret. All retained.
 */
export class StatefulStack extends Stack {
  readonly signingKeys: readonly SigningKey[];
  /** Customer-managed symmetric key for the token table and the configuration secret. */
  readonly dataKey: kms.Key;
  readonly table: dynamodb.TableV2;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.signingKeys = new SigningKeys(this, 'SigningKeys', {
      environment: config.name,
      keys: config.signingKeys,
    }).keys;

    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${SERVICE_NAME}/${config.name}/data`,
      description: `Encrypts the ${SERVICE_NAME} token cache and configuration secret (${config.name})`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new TokenCacheTable(this, 'TokenCache', {
      tableName: config.names.table,
      encryptionKey: this.dataKey,
      deletionProtection: config.tableDeletionProtection,
    }).table;

    this.secret = new BrokerConfigSecret(this, 'Config', {
      secretName: config.names.secret,
      encryptionKey: this.dataKey,
    }).secret;
  }
}
