import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB client for the token table that fails fast: a cache that answers slowly is worse than
 * none, and the guard's timeout does not cancel SDK calls, so the SDK must give up by itself.
 * Region and endpoint come from the standard settings (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`).
 */
export function createTokenTableClient(): DynamoDBClient {
  return new DynamoDBClient({
    // One attempt: a retry could never finish inside the guard's 1 s, it would only add load.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
}
