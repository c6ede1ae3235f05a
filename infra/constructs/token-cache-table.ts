import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TOKEN_TABLE } from '../../shared/adapters/dynamodb/token-table.js';

export interface TokenCacheTableProps {
  readonly tableName: string;
  /** Customer-managed symmetric key for encryption at rest (the cache holds bearer tokens). */
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
}

/**
 * The shared token cache: one item per cache key (`pk`), `ttl` in epoch seconds for DynamoDB's
 * background garbage collection (the broker checks expiry on every read; TTL deletion lags).
 *
 * Point-in-time recovery is off on purpose: the table is a pure cache of short-lived bearer tokens
 * that the broker refetches on a miss. A backup has no recovery value and would only keep copies of
 * token material for 35 days.
 */
export class TokenCacheTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: TokenCacheTableProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TOKEN_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TOKEN_TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
