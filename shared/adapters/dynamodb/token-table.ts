import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableStatus,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../../ports/deadline.js';

/**
 * The token-cache table contract shared by the adapter and infra: a single string partition key and
 * a TTL attribute in epoch seconds. TTL is garbage collection only; expiry is checked on read.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
export const TOKEN_TABLE = { partitionKey: 'pk', ttlAttribute: 'ttl' } as const;

/** Options for {@link ensureTokenTable}. */
export interface EnsureTokenTableOptions {
  /** Give up waiting for the table to become ACTIVE after this many ms (default 60 000). */
  maxWaitMs?: number;
}

/**
 * Makes sure the token-cache table exists and is ACTIVE: DescribeTable, else CreateTable
 * (PAY_PER_REQUEST), then polls until ACTIVE. A concurrent creator's `ResourceInUseException` is
 * fine. For the local server and tests: in AWS the table is owned by infra (which also enables TTL;
 * this function does not, dynalite has no UpdateTimeToLive).
 *
 * @returns `'created'` if this call created the table, `'exists'` otherwise.
 * @throws if the table is not ACTIVE within `maxWaitMs`, or on any other SDK error.
 */
export async function ensureTokenTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTokenTableOptions = {},
): Promise<'created' | 'exists'> {
  const deadline = Date.now() + (options.maxWaitMs ?? 60_000);
  let status = await describeStatus(client, tableName);
  let outcome: 'created' | 'exists' = 'exists';
  if (status === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: TOKEN_TABLE.partitionKey, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: TOKEN_TABLE.partitionKey, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      outcome = 'created';
    } catch (error) {
      // Another process created it between our DescribeTable and CreateTable.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  for (let delay = 25; status !== 'ACTIVE'; delay = Math.min(delay * 2, 1000)) {
    status = await describeStatus(client, tableName);
    if (status === 'ACTIVE') break;
    if (Date.now() + delay > deadline) {
      throw new Error(
        `Token table ${tableName} not ACTIVE in time (status ${status ?? 'missing'})`,
      );
    }
    await sleep(delay);
  }
  return outcome;
}

async function describeStatus(
  client: DynamoDBClient,
  tableName: string,
): Promise<TableStatus | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
