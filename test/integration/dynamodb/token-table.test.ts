import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTokenTable, TOKEN_TABLE } from '../../../shared/adapters/dynamodb/token-table.js';
import { type DynaliteHarness, startDynalite } from '../../support/dynalite.js';

const named = (name: string) => Object.assign(new Error(name), { name });

/** A client whose `send` answers from a script, keyed by command name. */
function scriptedClient(script: Record<string, Array<() => unknown>>) {
  const calls: string[] = [];
  const client = {
    async send(command: object) {
      const name = command.constructor.name;
      calls.push(name);
      const next = script[name]?.shift();
      if (!next) throw new Error(`unscripted ${name}`);
      return next();
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

const status = (TableStatus: string) => () => ({ Table: { TableStatus } });
const fail = (name: string) => () => {
  throw named(name);
};

describe('ensureTokenTable', () => {
  let db: DynaliteHarness;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.close());

  it('creates the table, then reports that it exists', async () => {
    const tableName = `tokens-${randomUUID()}`;
    expect(await ensureTokenTable(db.client, tableName)).toBe('created');
    expect(await ensureTokenTable(db.client, tableName)).toBe('exists');
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: TOKEN_TABLE.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
  });

  it('lets concurrent callers both succeed, exactly one of them creating', async () => {
    const tableName = `tokens-${randomUUID()}`;
    const results = await Promise.all([
      ensureTokenTable(db.createClient(), tableName),
      ensureTokenTable(db.createClient(), tableName),
      ensureTokenTable(db.createClient(), tableName),
    ]);
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
    expect(results.filter((r) => r === 'exists')).toHaveLength(2);
  });

  it('tolerates ResourceInUseException from a concurrent creator and waits for ACTIVE', async () => {
    const { client, calls } = scriptedClient({
      DescribeTableCommand: [
        fail('ResourceNotFoundException'),
        status('CREATING'),
        status('CREATING'),
        status('ACTIVE'),
      ],
      CreateTableCommand: [fail('ResourceInUseException')],
    });
    expect(await ensureTokenTable(client, 'tokens')).toBe('exists');
    expect(calls).toEqual([
      'DescribeTableCommand',
      'CreateTableCommand',
      'DescribeTableCommand',
      'DescribeTableCommand',
      'DescribeTableCommand',
    ]);
  });

  it('gives up after maxWaitMs when the table never becomes ACTIVE', async () => {
    const { client } = scriptedClient({
      DescribeTableCommand: Array.from({ length: 50 }, () => status('CREATING')),
    });
    await expect(ensureTokenTable(client, 'tokens', { maxWaitMs: 100 })).rejects.toThrow(
      /not ACTIVE in time \(status CREATING\)/,
    );
  });

  it('propagates other errors', async () => {
    const { client } = scriptedClient({ DescribeTableCommand: [fail('AccessDeniedException')] });
    await expect(ensureTokenTable(client, 'tokens')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
