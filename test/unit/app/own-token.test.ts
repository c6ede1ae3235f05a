import { describe, expect, it } from 'vitest';
import { BrokerService } from '../../../shared/app/broker-service.js';
import { MemoryTokenCache } from '../../../shared/app/memory-token-cache.js';
import { ownTokenCacheKey, tokenCacheKey } from '../../../shared/domain/cache-key.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import { MASKINPORTEN_ADMIN_SCOPE } from '../../../shared/ports/maskinporten-admin.js';
import {
  advance,
  clock,
  ISSUER,
  MapSharedCache,
  type TokenStep,
  useVirtualClock,
  virtualFetcher,
} from '../../support/virtual-upstreams.js';

// The broker's own admin token (issue 14: "its own cache key, never mixed with callers' tokens"):
// a caller asking for the same scope as a plain vendor token never gets it from a cache, in memory
// or in the shared table, and the broker never uses a caller's.

const deadline = () => Deadline.after(6_000, clock);
const callerRequest = () => parseTokenRequest({ scope: MASKINPORTEN_ADMIN_SCOPE });

function service(steps: TokenStep[], shared?: MapSharedCache) {
  const { fetcher, grants, metrics } = virtualFetcher(steps);
  const subject = new BrokerService({
    identity: { issuer: ISSUER, clientId: 'client' },
    fetcher,
    memory: new MemoryTokenCache(),
    shared,
    clock,
    metrics,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    random: () => 0.5,
  });
  return { subject, grants, metrics };
}

describe("the broker's own token", () => {
  useVirtualClock();

  it('is fetched and cached apart from a caller asking for the same scope', async () => {
    const { subject, grants } = service([{ token: 'admin' }, { token: 'caller' }]);

    const own = await subject.getOwnToken([MASKINPORTEN_ADMIN_SCOPE], deadline());
    const caller = await subject.getToken(callerRequest(), deadline());
    expect(own).toMatchObject({ source: 'maskinporten', token: { accessToken: 'admin' } });
    expect(caller).toMatchObject({ source: 'maskinporten', token: { accessToken: 'caller' } });

    await advance(10_000);
    expect((await subject.getToken(callerRequest(), deadline())).token.accessToken).toBe('caller');
    const again = await subject.getOwnToken([MASKINPORTEN_ADMIN_SCOPE], deadline());
    expect(again).toMatchObject({ source: 'memory', token: { accessToken: 'admin' } });
    expect(grants).toHaveLength(2);
  });

  it('lives under own:<key> in the shared cache, where no caller reads', async () => {
    const table = new MapSharedCache();
    const first = service([{ token: 'admin' }, { token: 'caller' }], table);
    await first.subject.getOwnToken([MASKINPORTEN_ADMIN_SCOPE], deadline());

    const callerKey = tokenCacheKey(first.subject.identity, callerRequest());
    expect([...table.items.keys()]).toEqual([ownTokenCacheKey(callerKey)]);
    // Another process (its memory empty) answers the caller from Maskinporten, not the table.
    const second = service([{ token: 'caller' }], table);
    const caller = await second.subject.getToken(callerRequest(), deadline());
    expect(caller).toMatchObject({ source: 'maskinporten', token: { accessToken: 'caller' } });
    expect(table.items.get(callerKey)?.token?.accessToken).toBe('caller');
    expect(table.items.get(ownTokenCacheKey(callerKey))?.token?.accessToken).toBe('admin');
  });

  it('is not counted as a token request, and its lifetime is recorded like every token', async () => {
    const { subject, metrics } = service([{ token: 'admin', expiresIn: 300 }]);
    await subject.getOwnToken([MASKINPORTEN_ADMIN_SCOPE], deadline());
    expect(metrics.get('TokenRequests')).toBe(0);
    expect(metrics.timings.get('TokenLifetime')).toEqual([300_000]);
  });
});
