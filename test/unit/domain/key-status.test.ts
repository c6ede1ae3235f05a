import { beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredKey } from '../../../shared/domain/key-set-plan.js';
import {
  DIGDIR_PROPAGATION_DELAY_MS,
  type KeyStatusInput,
  keyStatus,
} from '../../../shared/domain/key-status.js';
import type { RsaPublicJwk } from '../../../shared/domain/public-jwk.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';

// Rules under test: ../shared/reference/maskinporten-admin-api.md §4 (each key has `exp`, one year
// after it was posted; an expired key gives MP-121), §5 (a change takes 0-2 minutes to reach
// Maskinporten; verify a new key with a real grant before switching); issue 14 §1 (`keys status`)
// and §2 (promotion only after the delay AND one verified token request).

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY = 86_400_000;
let active: RsaPublicJwk;
let next: RsaPublicJwk;
let other: RsaPublicJwk;

beforeAll(() => {
  active = rsaTestKey('active-1').jwk;
  next = rsaTestKey('next-1').jwk;
  other = rsaTestKey('portal-a').jwk;
});

/** Registered `ageMs` ago; `exp` one year after that (§4). */
const registered = (jwk: RsaPublicJwk, ageMs: number): RegisteredKey => ({
  jwk,
  registeredAt: NOW - ageMs,
  expiresAt: NOW - ageMs + 365 * DAY,
});
const status = (input: Partial<KeyStatusInput> & Pick<KeyStatusInput, 'registered'>) =>
  keyStatus({ now: NOW, active, ...input });

describe('keyStatus: the active key', () => {
  it('names it, says it is registered, and gives its age and exp', () => {
    const result = status({ registered: [registered(active, 10 * DAY)] });

    expect(result.active).toEqual({
      kid: 'active-1',
      registration: 'registered',
      registeredAt: NOW - 10 * DAY,
      ageMs: 10 * DAY,
      expiresAt: NOW + 355 * DAY,
      expiresInMs: 355 * DAY,
      expired: false,
    });
    expect(result.warnings).toEqual([]);
  });

  it('warns when it is not registered', () => {
    const result = status({ registered: [registered(other, DAY)] });

    expect(result.active.registration).toBe('not_registered');
    expect(result.warnings).toEqual([
      'active key active-1 is not registered at Digdir: grants signed with it fail',
    ]);
    expect(result.others.map((key) => key.kid)).toEqual(['portal-a']);
  });

  it('tells a kid registered with another public key apart from a registered one', () => {
    const result = status({ registered: [registered({ ...other, kid: 'active-1' }, DAY)] });

    expect(result.active.registration).toBe('different_key');
    expect(result.warnings[0]).toContain('another public key');
  });

  it('warns when exp is within the configured number of days, not before', () => {
    const ageFor = (daysLeft: number) => 365 * DAY - daysLeft * DAY;

    expect(status({ registered: [registered(active, ageFor(31))] }).warnings).toEqual([]);
    expect(status({ registered: [registered(active, ageFor(30))] }).warnings).toEqual([
      'active key active-1 expires at Digdir in 30 days: rotate it',
    ]);
    expect(
      status({ registered: [registered(active, ageFor(60))], expiryWarningDays: 90 }).warnings,
    ).toEqual(['active key active-1 expires at Digdir in 60 days: rotate it']);
  });

  it('says MP-121 once exp has passed', () => {
    const result = status({ registered: [registered(active, 365 * DAY)] });

    expect(result.active.expired).toBe(true);
    expect(result.warnings).toEqual([
      'active key active-1 has expired at Digdir: grants fail (MP-121)',
    ]);
  });

  it('leaves age out when Digdir did not say when the key was registered', () => {
    const result = status({ registered: [{ jwk: active }] });

    expect(result.active).toEqual({ kid: 'active-1', registration: 'registered', expired: false });
  });
});

describe('keyStatus: may the next key be promoted? (§5, issue 14 §2)', () => {
  const verified = (at = NOW) => ({ ok: true, at });

  it('yes: registered longer than the 2-minute delay and verified after registration', () => {
    const result = status({
      registered: [registered(active, DAY), registered(next, DIGDIR_PROPAGATION_DELAY_MS + 1)],
      next,
      nextVerification: verified(),
    });

    expect(result.next?.promotion).toEqual({ ready: true });
    expect(result.next?.registration).toBe('registered');
  });

  it('no: verified, but registered exactly as long as the delay', () => {
    const result = status({
      registered: [registered(active, DAY), registered(next, DIGDIR_PROPAGATION_DELAY_MS)],
      next,
      nextVerification: verified(),
    });

    expect(result.next?.promotion).toEqual({
      ready: false,
      reasons: ['registered 120 s ago; wait 0 s more for propagation'],
    });
  });

  it('no: registered long ago, but no token request has been made with it', () => {
    const result = status({ registered: [registered(active, DAY), registered(next, DAY)], next });

    expect(result.next?.promotion).toEqual({
      ready: false,
      reasons: ['not yet verified by a token request signed with it'],
    });
  });

  it('no: the token request failed, and says what Maskinporten answered', () => {
    const result = status({
      registered: [registered(active, DAY), registered(next, DAY)],
      next,
      nextVerification: { ok: false, at: NOW, detail: 'MP-124 Invalid assertion' },
    });

    expect(result.next?.promotion).toEqual({
      ready: false,
      reasons: ['a token request signed with it failed: MP-124 Invalid assertion'],
    });
  });

  it('no: the verification happened before the current registration', () => {
    const result = status({
      registered: [registered(active, DAY), registered(next, 10 * 60_000)],
      next,
      nextVerification: verified(NOW - 11 * 60_000),
    });

    expect(result.next?.promotion).toMatchObject({
      ready: false,
      reasons: ['verified before its current registration; verify again'],
    });
  });

  it('no: not registered, with a configurable delay honoured when it is', () => {
    expect(status({ registered: [registered(active, DAY)], next }).next?.promotion).toEqual({
      ready: false,
      reasons: [
        'not registered at Digdir; run sync',
        'not yet verified by a token request signed with it',
      ],
    });
    const sandboxDelay = status({
      registered: [registered(active, DAY), registered(next, 6_000)],
      next,
      nextVerification: verified(),
      propagationDelayMs: 5_000,
    });
    expect(sandboxDelay.next?.promotion).toEqual({ ready: true });
  });

  it('no: registration time unknown, or the key expired', () => {
    const unknownTime = status({
      registered: [registered(active, DAY), { jwk: next }],
      next,
      nextVerification: verified(),
    });
    expect(unknownTime.next?.promotion).toEqual({
      ready: false,
      reasons: ['registration time unknown'],
    });
    const expired = status({
      registered: [registered(active, DAY), registered(next, 400 * DAY)],
      next,
      nextVerification: verified(),
    });
    expect(expired.next?.promotion).toMatchObject({ reasons: ['expired at Digdir'] });
    expect(expired.warnings).toContain('next key next-1 has expired at Digdir');
  });
});

describe('keyStatus: retired and unknown keys', () => {
  it('reports retired kids still registered, and keys config does not name', () => {
    const old = rsaTestKey('old-1').jwk;

    const result = status({
      registered: [registered(active, DAY), registered(old, 90 * DAY), registered(other, DAY)],
      retired: ['old-1', 'older-0'],
    });

    expect(result.retired.map((key) => [key.kid, key.registration])).toEqual([
      ['old-1', 'registered'],
      ['older-0', 'not_registered'],
    ]);
    expect(result.others.map((key) => key.kid)).toEqual(['portal-a']);
    expect(result.warnings).toEqual(['retired key old-1 is still registered; a sync removes it']);
    expect(result).toMatchObject({ registeredCount: 3, limit: 5 });
  });
});
