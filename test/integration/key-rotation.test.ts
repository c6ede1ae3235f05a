import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaskinportenAdminClient } from '../../shared/adapters/maskinporten-admin/admin-client.js';
import { planKeySetSync } from '../../shared/domain/key-set-plan.js';
import { type KeyVerification, keyStatus } from '../../shared/domain/key-status.js';
import type { RsaPublicJwk } from '../../shared/domain/public-jwk.js';
import { Deadline } from '../../shared/ports/deadline.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { rsaTestKey } from '../support/rsa-jwks.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox-fixture.js';
import type { TestKey } from '../support/sandbox-grants.js';

// The rotation order of ../shared/reference/maskinporten-admin-api.md §5 (add next; wait until a
// grant signed with it succeeds; switch; remove the old key), run through the domain's plan and
// status, the self-service adapter and the sandbox over HTTP, with the sandbox's propagation
// delay and a manual clock. At every step a grant signed with the key the broker would be signing
// with succeeds: no token request fails during the rotation (issue 14 §3).

const DELAY_MS = 5_000;
let t: TestSandbox;
let old: { key: TestKey; jwk: RsaPublicJwk };
const next = rsaTestKey('broker-2026-07');
let signingWith: TestKey;
let admin: MaskinportenAdminClient;
const deadline = () => Deadline.after(5_000);

beforeAll(async () => {
  t = await startTestSandbox();
  t.sandbox.maskinporten.selfService.setPropagationDelay(DELAY_MS);
  old = { key: t.key, jwk: { ...(t.key.publicJwk as RsaPublicJwk), alg: 'RS256', use: 'sig' } };
  signingWith = t.key;
  // The admin token is a token of the broker's own client, signed with the key it signs with now.
  admin = new MaskinportenAdminClient({
    baseUrl: t.sandbox.selfServiceUrl,
    clientId: DEMO.clientId,
    tokenProvider: async (scopes) => {
      const answer = await t.requestToken({ key: signingWith, scope: scopes.join(' ') });
      if (answer.status !== 200) throw new Error(`admin token refused: ${answer.status}`);
      return answer.json['access_token'] as string;
    },
  });
});
afterAll(() => t.sandbox.close());

async function tokensFlow() {
  const answer = await t.requestToken({ key: signingWith });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
}

async function sync(config: { active: RsaPublicJwk; next?: RsaPublicJwk; retired?: string[] }) {
  const registered = (await admin.getKeys(deadline())).keys;
  const plan = planKeySetSync({ registered, ...config });
  if (plan.action === 'write') await admin.replaceKeys(plan.keys, deadline());
  return plan;
}

async function status(verification?: KeyVerification) {
  return keyStatus({
    now: t.clock(),
    registered: (await admin.getKeys(deadline())).keys,
    active: old.jwk,
    next: next.jwk,
    nextVerification: verification,
    propagationDelayMs: DELAY_MS,
  });
}

/** One real token request signed with the next key (what the caller of keyStatus performs). */
async function verifyNext(): Promise<KeyVerification> {
  const answer = await t.requestToken({ key: next });
  return {
    ok: answer.status === 200,
    at: t.clock(),
    ...(answer.status === 200 ? {} : { detail: String(answer.json['error_description']) }),
  };
}

describe('a rotation with tokens flowing throughout', () => {
  it('registers next, waits for propagation and a verified grant, switches, then retires', async () => {
    await tokensFlow();

    // 1. Add the next key; the active one stays.
    expect(await sync({ active: old.jwk, next: next.jwk })).toMatchObject({
      action: 'write',
      added: [next.kid],
    });
    expect((await sync({ active: old.jwk, next: next.jwk })).action).toBe('none');
    await tokensFlow();

    // 2. Not ready: registered for less than the delay, and Maskinporten does not know it yet.
    const early = await verifyNext();
    expect(early).toMatchObject({ ok: false, detail: expect.stringMatching(/^MP-124 /) });
    const notYet = await status(early);
    expect(notYet.active.registration).toBe('registered');
    expect(notYet.next?.registration).toBe('registered');
    expect(notYet.next?.promotion.ready).toBe(false);

    t.clock.advance(DELAY_MS + 1_000);
    await tokensFlow();
    const ready = await status(await verifyNext());
    expect(ready.next?.promotion).toEqual({ ready: true });

    // 3. Switch signing to the next key (a deploy); both keys are registered, so both work.
    signingWith = next;
    await tokensFlow();

    // 4. Retire the old key: it stays accepted until the removal has propagated.
    expect(await sync({ active: next.jwk, retired: [old.key.kid] })).toMatchObject({
      action: 'write',
      removed: [old.key.kid],
    });
    await tokensFlow();
    expect((await t.requestToken({ key: old.key })).status).toBe(200);
    t.clock.advance(DELAY_MS);
    await tokensFlow();
    const gone = await t.requestToken({ key: old.key });
    expect(gone.status).toBe(400);
    expect(gone.json['error_description']).toMatch(/^MP-124 /);

    // 5. Prune after promotion leaves exactly the active key; a second sync writes nothing.
    expect((await admin.getKeys(deadline())).keys.map((key) => key.jwk.kid)).toEqual([next.kid]);
    expect((await sync({ active: next.jwk })).action).toBe('none');
    await tokensFlow();
  });

  it('refuses, changing nothing, a sync that would exceed 5 keys', async () => {
    const portal = Array.from({ length: 4 }, (_, i) => rsaTestKey(`portal-key-${i}`).jwk);
    await admin.replaceKeys([next.jwk, ...portal], deadline());
    t.clock.advance(DELAY_MS);
    const another = rsaTestKey('broker-2027-01').jwk;

    const plan = await sync({ active: next.jwk, next: another });

    expect(plan).toMatchObject({ action: 'refused', reason: 'over_limit' });
    expect(plan.action === 'refused' && plan.message).toMatch(/at most 5 keys/);
    expect((await admin.getKeys(deadline())).keys).toHaveLength(5);
    await tokensFlow();
  });
});
