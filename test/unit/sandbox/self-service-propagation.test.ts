import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { SANDBOX_PROPAGATION_DELAY_MS } from '../../../shared/sandbox/maskinporten/self-service-keys.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox-fixture.js';
import { controlKeys, selfServiceCall, setPropagationDelay } from '../../support/self-service.js';

// Rules from ../shared/reference/maskinporten-admin-api.md §5 (a change reaches Maskinporten 0-2
// minutes after the API call; removals presumably take the same path) and §4 (a key lives at most
// one year from when it was posted; after that the token endpoint answers MP-121 "Expired key";
// posting the key again renews it), and maskinporten-protocol.md §1.1 and §3 (MP-121, MP-124).

let t: TestSandbox;
const next = rsaTestKey('broker-next-2');
let active: Record<string, unknown>;

beforeEach(async () => {
  t = await startTestSandbox();
  active = { ...t.key.publicJwk, alg: 'RS256', use: 'sig' };
});
afterEach(() => t.sandbox.close());

const post = (keys: unknown[]) =>
  selfServiceCall(t, 'POST', `${DEMO.clientId}/jwks`, { body: { keys } });
const tokenWith = (key = t.key) => t.requestToken({ key });

describe('propagation (§5)', () => {
  it(`defaults to ${SANDBOX_PROPAGATION_DELAY_MS} ms in the sandbox`, () => {
    expect(t.sandbox.maskinporten.selfService.propagationDelayMs).toBe(5_000);
  });

  it('accepts a new key only after the delay, while the active key keeps working', async () => {
    expect((await post([active, next.jwk])).status).toBe(201);

    const early = await tokenWith(next);
    expect(early.status).toBe(400);
    expect(early.json['error_description']).toMatch(/^MP-124 /);
    expect((await tokenWith()).status).toBe(200);
    expect((await controlKeys(t, DEMO.clientId)).pending).toEqual([
      { effectiveAt: new Date(t.clock() + 5_000).toISOString(), kids: [t.key.kid, next.kid] },
    ]);

    t.clock.advance(4_999);
    expect((await tokenWith(next)).status).toBe(400);
    t.clock.advance(1);
    expect((await tokenWith(next)).status).toBe(200);
    expect((await tokenWith()).status).toBe(200);
    expect((await controlKeys(t, DEMO.clientId)).pending).toEqual([]);
  });

  it('keeps accepting a removed key until the delay has passed', async () => {
    await setPropagationDelay(t, 0);
    await post([active, next.jwk]);
    await setPropagationDelay(t, 5_000);

    await post([active]);

    expect((await tokenWith(next)).status).toBe(200);
    expect((await controlKeys(t, DEMO.clientId)).stored.keys.map((key) => key.kid)).toEqual([
      t.key.kid,
    ]);
    t.clock.advance(5_000);
    const late = await tokenWith(next);
    expect(late.status).toBe(400);
    expect(late.json['error_description']).toMatch(/^MP-124 /);
  });

  it('lets a later change supersede an earlier one still travelling', async () => {
    await setPropagationDelay(t, 10_000);
    await post([active, next.jwk]);
    await setPropagationDelay(t, 0);

    await post([active]);
    t.clock.advance(10_000);

    expect((await tokenWith(next)).status).toBe(400);
    expect((await controlKeys(t, DEMO.clientId)).effective.map((key) => key.kid)).toEqual([
      t.key.kid,
    ]);
  });

  it('takes the delay from the control API, refusing values outside 0-600000 ms', async () => {
    expect(await setPropagationDelay(t, 0)).toBe(200);
    expect(await setPropagationDelay(t, -1)).toBe(400);
    expect(await setPropagationDelay(t, 600_001)).toBe(400);

    await post([active, next.jwk]);

    expect((await tokenWith(next)).status).toBe(200);
  });
});

describe('key expiry (§4)', () => {
  it('answers MP-121 to a grant signed with a key one year after it was posted', async () => {
    t.clock.advance(365 * 86_400_000 - 60_000);
    expect((await tokenWith()).status).toBe(200);

    t.clock.advance(60_000);
    const expired = await tokenWith();

    expect(expired.status).toBe(400);
    expect(expired.json).toEqual({
      error: 'invalid_grant',
      error_description: 'MP-121 Invalid assertion. Client authentication failed. Expired key',
    });
    expect(t.sandbox.maskinporten.stats.rejections).toMatchObject({ 'MP-121': 1 });
  });

  it('renews exp on re-posting, keeping when the key was first registered', async () => {
    await setPropagationDelay(t, 0);
    const before = await selfServiceCall(t, 'GET', `${DEMO.clientId}/jwks`);
    const [seeded] = before.json['keys'] as { exp: number; created: string }[];
    t.clock.advance(200 * 86_400_000);

    const reposted = await post([active]);

    const [renewed] = reposted.json['keys'] as { exp: number; created: string }[];
    expect(renewed?.created).toBe(seeded?.created);
    expect(renewed?.exp).toBeGreaterThan((seeded?.exp ?? 0) + 199 * 86_400);
    t.clock.advance(200 * 86_400_000);
    expect((await tokenWith()).status).toBe(200);
  });

  it('leaves a client whose only key expired unable to get the admin token itself (§2)', async () => {
    t.clock.advance(366 * 86_400_000);

    await expect(selfServiceCall(t, 'GET', `${DEMO.clientId}/jwks`)).rejects.toThrow(/MP-121/);
  });
});
