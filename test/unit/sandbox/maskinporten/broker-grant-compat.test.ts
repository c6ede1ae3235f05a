import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrantClaims, grantHeader } from '../../../../shared/domain/jwt-grant.js';
import type { TokenRequest } from '../../../../shared/domain/token-request.js';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { postToken, signJws } from '../../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());

/** Signs exactly what the broker's own grant builder produces. */
async function brokerGrant(request: Partial<TokenRequest>) {
  const claims = buildGrantClaims(
    { scopes: [DEMO.scopes[0]], minTtl: 0, skipCache: false, ...request },
    { issuer: t.sandbox.issuer, clientId: t.clientId, now: t.clock(), jti: randomUUID() },
  );
  return signJws(t.key.privateKey, { ...claims }, { ...grantHeader(t.key.kid) });
}

describe("the broker's grant builder against the strict sandbox", () => {
  it.each<[string, Partial<TokenRequest>]>([
    ['a plain grant', {}],
    [
      'several scopes and a resource',
      { scopes: DEMO.scopes.slice(0, 2), resource: ['https://a.example/'] },
    ],
    ['consumer_org', { consumerOrg: DEMO.customers.standard.orgNo }],
    ['a standard system user', { org: DEMO.customers.standard.orgNo }],
    [
      'a system user with externalRef',
      {
        org: DEMO.customers.withExternalRef.orgNo,
        externalRef: DEMO.customers.withExternalRef.externalRef,
      },
    ],
    ['an agent system user', { org: DEMO.customers.agent.orgNo }],
  ])('gets a token for %s', async (_label, request) => {
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, {
      assertion: await brokerGrant(request),
    });

    expect(answer.json['error_description']).toBeUndefined();
    expect(answer.status).toBe(200);
  });
});
