import { describe, expect, it } from 'vitest';
import type { BrokerService, TokenResult } from '../../../shared/app/broker-service.js';
import type { CachedToken } from '../../../shared/domain/cache-policy.js';
import { OPEN_POLICY } from '../../../shared/domain/caller-policy.js';
import type { ApiRequest, ApiResponse } from '../../../shared/http/api-types.js';
import { createTokenRoute } from '../../../shared/http/token-route.js';
import { Deadline } from '../../../shared/ports/deadline.js';

// The token route keeps each cached token's last body and rebuilds it only when `expires_in`
// changes: the answer must still say the token's remaining life at every hit (RFC 6749 §5.1).

const token: CachedToken = {
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
  tokenType: 'Bearer',
  scope: 'krr:global/kontaktinformasjon.read',
  expiresAt: 1_800_000_120_000,
  lifetime: 120,
};

/** A broker whose memory holds `token` with the remaining life the test sets. */
function brokerServing(result: () => TokenResult): BrokerService {
  return { fromMemory: () => result() } as unknown as BrokerService;
}

const request: ApiRequest = {
  method: 'POST',
  path: '/v1/token',
  query: new URLSearchParams(),
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ scope: token.scope, org: '910753614' })),
  caller: { id: 'local', source: 'local-default' },
};

function answer(route: ReturnType<typeof createTokenRoute>): ApiResponse {
  const response = route.handler(request, {
    params: {},
    deadline: Deadline.after(1_000),
    audit: {},
  });
  if (response instanceof Promise) throw new Error('a memory hit is answered synchronously');
  return response;
}

describe('POST /v1/token answers a memory hit with the remaining life', () => {
  it('says each hit how long the same cached token has left, as it changes', () => {
    let expiresIn = 120;
    const route = createTokenRoute({
      broker: brokerServing(() => ({ token, source: 'memory', expiresIn })),
      policy: OPEN_POLICY,
    });

    const bodies = [120, 120, 119, 119, 7, 120].map((seconds) => {
      expiresIn = seconds;
      return JSON.parse(answer(route).body);
    });

    expect(bodies.map((body) => body.expires_in)).toEqual([120, 120, 119, 119, 7, 120]);
    for (const body of bodies) {
      expect(body).toEqual({
        access_token: token.accessToken,
        token_type: 'Bearer',
        expires_in: body.expires_in,
        scope: token.scope,
      });
    }
  });

  it('keeps two tokens apart', () => {
    const other: CachedToken = { ...token, accessToken: 'eyJhbGciOiJSUzI1NiJ9.e30.b3RoZXI' };
    let serving = token;
    const route = createTokenRoute({
      broker: brokerServing(() => ({ token: serving, source: 'memory', expiresIn: 60 })),
      policy: OPEN_POLICY,
    });

    const first = JSON.parse(answer(route).body);
    serving = other;
    const second = JSON.parse(answer(route).body);

    expect(first.access_token).toBe(token.accessToken);
    expect(second.access_token).toBe(other.accessToken);
  });
});
