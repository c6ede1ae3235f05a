import { describe, expect, it } from 'vitest';
import {
  type CallerPolicy,
  DENY_ALL,
  decide,
  OPEN_POLICY,
  type PolicyAction,
  type PolicyDecision,
  requireAllowed,
  VENDOR_ADMIN_SCOPES,
} from '../../../shared/domain/caller-policy.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import {
  DEFAULT_MAX_MISSES_PER_MINUTE,
  parsePolicy,
} from '../../../shared/domain/policy-document.js';
import { parseTokenRequest } from '../../../shared/domain/token-request.js';

const ORG_A = '910753614';
const ORG_B = '313725138';
const ORG_C = '991825827';
const BILLING = 'arn:aws:iam::111111111111:role/billing-*';
const OPS = 'arn:aws:iam::222222222222:role/ops';
const rule = (overrides: Record<string, unknown> = {}) => ({
  callers: [OPS],
  scopes: ['a:read'],
  orgs: '*',
  ...overrides,
});

describe('parsePolicy', () => {
  it('normalises rules: bare orgnrs, everything not granted denied, no empty name', () => {
    expect(
      parsePolicy(
        {
          rules: [
            {
              name: 'RULE-ALPHA',
              callers: [BILLING, OPS],
              scopes: ['krr:*', 'a:read'],
              orgs: [ORG_A, `0192:${ORG_B}`],
              vendorTokens: true,
              skipCache: true,
              systemUserRequests: true,
              exchange: ['altinn', 'altinn'],
              externalRefs: ['avdeling-nord'],
              roleIds: ['AROAEXAMPLEID1234567'],
              maxMissesPerMinute: 30,
            },
            { name: '', callers: [OPS], scopes: ['a:read'], orgs: '*' },
          ],
        },
        'test',
      ),
    ).toStrictEqual({
      rules: [
        {
          name: 'RULE-ALPHA',
          callers: [BILLING, OPS],
          roleIds: ['AROAEXAMPLEID1234567'],
          scopes: ['krr:*', 'a:read'],
          orgs: [ORG_A, ORG_B],
          vendorTokens: true,
          skipCache: true,
          systemUserRequests: true,
          exchange: ['altinn'],
          externalRefs: ['avdeling-nord'],
          maxMissesPerMinute: 30,
        },
        {
          callers: [OPS],
          scopes: ['a:read'],
          orgs: '*',
          vendorTokens: false,
          skipCache: false,
          systemUserRequests: false,
          exchange: [],
          externalRefs: [],
          maxMissesPerMinute: DEFAULT_MAX_MISSES_PER_MINUTE,
        },
      ],
      administrativeScopes: VENDOR_ADMIN_SCOPES,
    });
  });

  it('accepts no rules at all (and then allows nothing)', () => {
    expect(parsePolicy({ rules: [] }, 'test')).toStrictEqual({
      rules: [],
      administrativeScopes: VENDOR_ADMIN_SCOPES,
    });
  });

  it('gives rules without maxMissesPerMinute the policy-wide default, else the built-in one', () => {
    const rules = [rule(), rule({ maxMissesPerMinute: 5 })];
    expect(
      parsePolicy({ rules, maxMissesPerMinute: 40 }, 'test').rules.map((r) => r.maxMissesPerMinute),
    ).toEqual([40, 5]);
    expect(parsePolicy({ rules }, 'test').rules.map((r) => r.maxMissesPerMinute)).toEqual([
      DEFAULT_MAX_MISSES_PER_MINUTE,
      5,
    ]);
  });

  it('adds the document’s administrative scopes to the vendor’s own, never replacing them', () => {
    expect(
      parsePolicy({ rules: [], administrativeScopes: ['skatteetaten:admin*'] }, 'test')
        .administrativeScopes,
    ).toEqual([...VENDOR_ADMIN_SCOPES, 'skatteetaten:admin*']);
  });

  it.each([
    'arn:aws:iam::111111111111:role/x',
    'arn:aws:iam::111111111111:role/*',
    'arn:aws:iam::111111111111:role/a*b*c',
    'arn:aws:iam::111111111111:user/alice',
    'arn:aws:iam::111111111111:user/team/alice',
    'arn:aws-cn:iam::111111111111:role/x',
    'arn:aws-us-gov:iam::111111111111:role/x',
    'arn:aws:iam::111111111111:role/with+=,.@-_chars',
  ])('accepts the caller %s', (caller) => {
    expect(
      parsePolicy({ rules: [rule({ callers: [caller] })] }, 'test').rules[0]?.callers,
    ).toStrictEqual([caller]);
  });

  const invalid: [string, unknown, string][] = [
    ['not an object', null, 'body: '],
    ['an array', [], 'body: '],
    ['no rules', {}, 'rules: is required'],
    ['rules not an array', { rules: {} }, 'rules: '],
    ['an unknown top-level field', { rules: [], version: 1 }, 'unknown field "version"'],
    ['an unknown rule field', { rules: [rule({ scope: ['a'] })] }, 'unknown field "scope"'],
    [
      'not an ARN',
      { rules: [rule({ callers: ['billing'] })] },
      'rules.0.callers.0: must be IAM ARNs',
    ],
    [
      'an 11-digit account',
      { rules: [rule({ callers: ['arn:aws:iam::11111111111:role/x'] })] },
      'rules.0.callers.0: must name a 12-digit account',
    ],
    [
      '* as the account',
      { rules: [rule({ callers: ['arn:aws:iam::*:role/x'] })] },
      'rules.0.callers.0: ',
    ],
    [
      '* inside the account',
      { rules: [rule({ callers: ['arn:aws:iam::11111111111*:role/x'] })] },
      'rules.0.callers.0: ',
    ],
    [
      'an S3 ARN',
      { rules: [rule({ callers: ['arn:aws:s3:::bucket'] })] },
      'rules.0.callers.0: must be IAM ARNs',
    ],
    [
      'a space in the name',
      { rules: [rule({ callers: ['arn:aws:iam::111111111111:role/a b'] })] },
      'rules.0.callers.0: must not contain spaces',
    ],
    ['a bare *', { rules: [rule({ callers: ['*'] })] }, 'rules.0.callers.0: must be IAM ARNs'],
    [
      'a too long caller',
      { rules: [rule({ callers: [`arn:aws:iam::111111111111:role/${'x'.repeat(300)}`] })] },
      'rules.0.callers.0: ',
    ],
    [
      'the second caller bad',
      { rules: [rule({ callers: [OPS, 'nope'] })] },
      'rules.0.callers.1: must be IAM ARNs',
    ],
    [
      'no callers',
      { rules: [rule({ callers: [] })] },
      'rules.0.callers: must name at least one caller',
    ],
    ['callers missing', { rules: [{ scopes: ['a'], orgs: '*' }] }, 'rules.0.callers: is required'],
    [
      'no scopes',
      { rules: [rule({ scopes: [] })] },
      'rules.0.scopes: must name at least one scope',
    ],
    ['an empty scope', { rules: [rule({ scopes: [''] })] }, 'rules.0.scopes.0: '],
    [
      'a bad orgnr',
      { rules: [rule({ orgs: ['123456789'] })] },
      'rules.0.orgs.0: must be valid orgnrs',
    ],
    ['orgs "all"', { rules: [rule({ orgs: 'all' })] }, 'rules.0.orgs: '],
    ['orgs missing', { rules: [{ callers: [OPS], scopes: ['a'] }] }, 'rules.0.orgs: '],
    [
      'vendorTokens not boolean',
      { rules: [rule({ vendorTokens: 'yes' })] },
      'rules.0.vendorTokens: ',
    ],
    ['a too long name', { rules: [rule({ name: 'n'.repeat(101) })] }, 'rules.0.name: '],
    [
      'a problem in the second rule',
      { rules: [rule(), rule({ scopes: [] })] },
      'rules.1.scopes: must name at least one scope',
    ],
    ['over 1000 rules', { rules: Array.from({ length: 1001 }, () => rule()) }, 'rules: '],
    // Patterns that can never match a caller or a scope are mistakes, not rules.
    [
      'an assumed-role session (callers are matched as roles)',
      { rules: [rule({ callers: ['arn:aws:sts::111111111111:assumed-role/ops/alice'] })] },
      'rules.0.callers.0: must name the role (arn:aws:iam::<account>:role/<name>), not an STS session',
    ],
    [
      'an assumed-role ARN spelt under iam',
      { rules: [rule({ callers: ['arn:aws:iam::111111111111:assumed-role/ops/x'] })] },
      'rules.0.callers.0: must name the role',
    ],
    [
      'a role with a path (a session ARN has none)',
      { rules: [rule({ callers: ['arn:aws:iam::111111111111:role/team/x'] })] },
      'rules.0.callers.0: must name the role without its path',
    ],
    [
      '** in a caller',
      { rules: [rule({ callers: ['arn:aws:iam::111111111111:role/a**'] })] },
      'rules.0.callers.0: must not contain **',
    ],
    [
      'a trailing space in a caller',
      { rules: [rule({ callers: ['arn:aws:iam::111111111111:role/x '] })] },
      'rules.0.callers.0: must not contain spaces',
    ],
    [
      'a * inside a scope',
      { rules: [rule({ scopes: ['krr:*.read'] })] },
      'rules.0.scopes.0: may hold * only at the end',
    ],
    [
      'a leading * scope',
      { rules: [rule({ scopes: ['*:read'] })] },
      'rules.0.scopes.0: may hold * only at the end',
    ],
    [
      '** in a scope',
      { rules: [rule({ scopes: ['krr:**'] })] },
      'rules.0.scopes.0: must not contain **',
    ],
    [
      'a space in a scope',
      { rules: [rule({ scopes: ['krr:a krr:b'] })] },
      'rules.0.scopes.0: must not contain spaces',
    ],
    [
      'a quote in a scope',
      { rules: [rule({ scopes: ['krr:"a"'] })] },
      'rules.0.scopes.0: must be a scope',
    ],
    [
      'a bad administrative scope',
      { rules: [], administrativeScopes: ['x*y'] },
      'administrativeScopes.0: may hold * only at the end',
    ],
    [
      'an unknown exchange',
      { rules: [rule({ exchange: ['idporten'] })] },
      'rules.0.exchange.0: must be "altinn"',
    ],
    ['exchange as a flag', { rules: [rule({ exchange: true })] }, 'rules.0.exchange: '],
    ['externalRefs "all"', { rules: [rule({ externalRefs: 'all' })] }, 'rules.0.externalRefs: '],
    [
      'an externalRef with a space',
      { rules: [rule({ externalRefs: ['a b'] })] },
      'rules.0.externalRefs.0: must not contain whitespace',
    ],
    [
      'a role id that is not one',
      { rules: [rule({ roleIds: ['AIDAEXAMPLEID1234567'] })] },
      'rules.0.roleIds.0: must be IAM role unique ids',
    ],
    [
      'no role ids',
      { rules: [rule({ roleIds: [] })] },
      'rules.0.roleIds: must name at least one role id',
    ],
    [
      'maxMissesPerMinute 0',
      { rules: [rule({ maxMissesPerMinute: 0 })] },
      'rules.0.maxMissesPerMinute: must be at least 1',
    ],
    [
      'a fractional default',
      { rules: [], maxMissesPerMinute: 1.5 },
      'maxMissesPerMinute: must be a whole number',
    ],
  ];

  it.each(invalid)('refuses %s', (_, value, problem) => {
    let caught: unknown;
    try {
      parsePolicy(value, 'secret broker/test');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeError);
    const message = (caught as TypeError).message;
    expect(message.startsWith('caller policy from secret broker/test is invalid: ')).toBe(true);
    expect(message).toContain(problem);
  });

  it('says a wrongly typed value is the wrong type, not missing', () => {
    expect(() => parsePolicy({ rules: [rule({ skipCache: 1 })] }, 'test')).toThrow(
      'caller policy from test is invalid: rules.0.skipCache: Invalid input: expected boolean, received number',
    );
  });
});

/** What a caller asks, written flat: a token unless `systemUserRequests` (onboarding). */
interface Asked {
  scopes?: string[];
  org?: string;
  consumerOrg?: string;
  skipCache?: boolean;
  systemUserRequests?: boolean;
}

function actionOf(asked: Asked): PolicyAction {
  if (asked.systemUserRequests) return { kind: 'onboarding', org: asked.org };
  const { scopes = [], org, consumerOrg, skipCache = false } = asked;
  return { kind: 'token', request: { scopes, org, consumerOrg, skipCache, minTtl: 0 } };
}

/** The decision for an IAM caller (or none, for an empty or missing id). */
const decideFor = (policy: CallerPolicy, caller: string | undefined, asked: Asked) =>
  decide(policy, caller ? { id: caller, source: 'iam' } : undefined, actionOf(asked));

/** An allowing decision by the rule `name` with the built-in miss budget. */
const allowedBy = (name: string) => ({
  allowed: true,
  rule: name,
  maxMissesPerMinute: DEFAULT_MAX_MISSES_PER_MINUTE,
});

/** The denial's reason; fails the test when the action was allowed. */
function reasonOf(decision: PolicyDecision): string {
  if (decision.allowed) throw new Error(`expected a denial, got rule ${decision.rule}`);
  return decision.reason;
}

describe('decide', () => {
  const policy: CallerPolicy = parsePolicy(
    {
      rules: [
        {
          name: 'RULE-BILLING',
          callers: [BILLING],
          scopes: ['krr:*', 'altinn:exact'],
          orgs: [ORG_A, ORG_B],
        },
        {
          name: 'RULE-OPS',
          callers: [OPS],
          scopes: ['*'],
          orgs: '*',
          vendorTokens: true,
          skipCache: true,
        },
        {
          name: 'RULE-ONBOARD',
          callers: ['arn:aws:iam::333333333333:role/onboard'],
          scopes: ['x'],
          orgs: [ORG_A],
          systemUserRequests: true,
        },
        {
          callers: ['arn:aws:iam::444444444444:role/vendor'],
          scopes: ['v:read'],
          orgs: [ORG_C],
          vendorTokens: true,
        },
      ],
    },
    'test',
  );
  const billing = 'arn:aws:iam::111111111111:role/billing-prod';
  const tokenFor = (org?: string, extra: Asked = {}): Asked => ({
    scopes: ['krr:global/kontaktinformasjon.read'],
    org,
    ...extra,
  });

  const allowed: [string, string, Asked, string][] = [
    ['billing-* matches billing-prod', billing, tokenFor(ORG_A), 'RULE-BILLING'],
    [
      'billing-* matches the bare prefix',
      'arn:aws:iam::111111111111:role/billing-',
      tokenFor(ORG_A),
      'RULE-BILLING',
    ],
    [
      'billing-* matches dots and @ in the name',
      'arn:aws:iam::111111111111:role/billing-a.b@c',
      tokenFor(ORG_B),
      'RULE-BILLING',
    ],
    ['an exact scope', billing, { scopes: ['altinn:exact'], org: ORG_A }, 'RULE-BILLING'],
    [
      'several scopes, each allowed',
      billing,
      { scopes: ['altinn:exact', 'krr:a', 'krr:b'], org: ORG_B },
      'RULE-BILLING',
    ],
    ['consumerOrg in the list', billing, tokenFor(ORG_A, { consumerOrg: ORG_B }), 'RULE-BILLING'],
    ['an exact caller', OPS, tokenFor(), 'RULE-OPS'],
    [
      '* scope and * orgs',
      OPS,
      { scopes: ['anything:at/all'], org: ORG_C, consumerOrg: ORG_A },
      'RULE-OPS',
    ],
    ['skipCache when the rule allows it', OPS, tokenFor(ORG_A, { skipCache: true }), 'RULE-OPS'],
    [
      'skipCache false needs nothing',
      billing,
      tokenFor(ORG_A, { skipCache: false }),
      'RULE-BILLING',
    ],
    [
      'system-user requests for an allowed org',
      'arn:aws:iam::333333333333:role/onboard',
      { systemUserRequests: true, org: ORG_A },
      'RULE-ONBOARD',
    ],
    [
      'system-user requests without an org',
      'arn:aws:iam::333333333333:role/onboard',
      { systemUserRequests: true },
      'RULE-ONBOARD',
    ],
    ['an unnamed rule', 'arn:aws:iam::444444444444:role/vendor', { scopes: ['v:read'] }, 'rule #4'],
    [
      'a vendor token with an allowed consumerOrg',
      'arn:aws:iam::444444444444:role/vendor',
      { scopes: ['v:read'], consumerOrg: ORG_C },
      'rule #4',
    ],
  ];

  it.each(allowed)('allows %s', (_, caller, action, ruleName) => {
    expect(decideFor(policy, caller, action)).toEqual(allowedBy(ruleName));
  });

  const denied: [string, string, Asked, string][] = [
    [
      'an ARN in another account',
      'arn:aws:iam::999999999999:role/billing-prod',
      tokenFor(ORG_A),
      'is not allowed to use the broker',
    ],
    [
      'a name not matching the wildcard',
      'arn:aws:iam::111111111111:role/billing',
      tokenFor(ORG_A),
      'is not allowed to use the broker',
    ],
    [
      'a wildcard crossing /',
      'arn:aws:iam::111111111111:role/billing-x/y',
      tokenFor(ORG_A),
      'is not allowed to use the broker',
    ],
    [
      'a user, not a role',
      'arn:aws:iam::111111111111:user/billing-prod',
      tokenFor(ORG_A),
      'is not allowed to use the broker',
    ],
    [
      'an STS session ARN',
      'arn:aws:sts::222222222222:assumed-role/ops/session',
      tokenFor(),
      'is not allowed to use the broker',
    ],
    ['a suffix on an exact ARN', `${OPS}x`, tokenFor(), 'is not allowed to use the broker'],
    ['a prefix on an exact ARN', `x${OPS}`, tokenFor(), 'is not allowed to use the broker'],
    [
      'an ARN with the account as wildcard text',
      'arn:aws:iam::111111111111:role/billing-prod:extra',
      tokenFor(ORG_A),
      'is not allowed to use the broker',
    ],
    [
      'a scope outside the prefix',
      billing,
      { scopes: ['krrx:read'], org: ORG_A },
      'may not get scope krrx:read for org 910753614',
    ],
    [
      'the prefix without its colon',
      billing,
      { scopes: ['krr'], org: ORG_A },
      'may not get scope krr for org 910753614',
    ],
    [
      'an exact scope plus a suffix',
      billing,
      { scopes: ['altinn:exact2'], org: ORG_A },
      'may not get scope altinn:exact2',
    ],
    [
      'one of several scopes not allowed',
      billing,
      { scopes: ['krr:a', 'other'], org: ORG_A },
      'may not get scope krr:a other',
    ],
    ['an org not in the list', billing, tokenFor(ORG_C), 'for org 991825827'],
    [
      'a consumerOrg not in the list',
      billing,
      tokenFor(ORG_A, { consumerOrg: ORG_C }),
      'on behalf of 991825827',
    ],
    ['a vendor token without vendorTokens', billing, tokenFor(), 'as a plain vendor token'],
    [
      'a vendor token with consumerOrg without vendorTokens',
      billing,
      tokenFor(undefined, { consumerOrg: ORG_A }),
      'as a plain vendor token on behalf of 910753614',
    ],
    [
      'skipCache without the right',
      billing,
      tokenFor(ORG_A, { skipCache: true }),
      'for org 910753614 with skipCache',
    ],
    [
      'system-user requests without the right',
      billing,
      { systemUserRequests: true, org: ORG_A },
      'may not manage system-user requests for org 910753614',
    ],
    [
      'system-user requests for another org',
      'arn:aws:iam::333333333333:role/onboard',
      { systemUserRequests: true, org: ORG_B },
      'may not manage system-user requests for org 313725138',
    ],
    [
      'a vendor consumerOrg outside the list',
      'arn:aws:iam::444444444444:role/vendor',
      { scopes: ['v:read'], consumerOrg: ORG_A },
      'on behalf of 910753614',
    ],
  ];

  it.each(denied)('denies %s', (_, caller, action, fragment) => {
    const reason = reasonOf(decideFor(policy, caller, action));
    expect(reason).toContain(`caller ${caller} `);
    expect(reason).toContain(fragment);
    expect(reason).not.toMatch(/RULE-|rule #/);
  });

  it('says exactly what was denied', () => {
    expect(
      reasonOf(
        decideFor(policy, billing, {
          scopes: ['a', 'b'],
          org: ORG_A,
          consumerOrg: ORG_C,
          skipCache: true,
        }),
      ),
    ).toBe(
      `caller ${billing} may not get scope a b for org ${ORG_A} on behalf of ${ORG_C} with skipCache`,
    );
  });

  it.each([undefined, ''])('denies a caller without identity (%j)', (caller) => {
    expect(decideFor(policy, caller, tokenFor(ORG_A))).toEqual({
      allowed: false,
      reason: 'the caller has no identity',
    });
  });

  it('DENY_ALL denies everyone', () => {
    expect(DENY_ALL.rules).toHaveLength(0);
    expect(reasonOf(decideFor(DENY_ALL, OPS, tokenFor()))).toBe(
      `caller ${OPS} is not allowed to use the broker`,
    );
  });

  it('OPEN_POLICY allows everyone everything, even without an identity', () => {
    expect(decideFor(OPEN_POLICY, undefined, { systemUserRequests: true }).allowed).toBe(true);
    expect(decideFor(OPEN_POLICY, OPS, tokenFor(ORG_A, { skipCache: true })).allowed).toBe(true);
  });

  it('requireAllowed throws a denial as access_denied with the reason', () => {
    expect(() =>
      requireAllowed(DENY_ALL, { id: OPS, source: 'iam' }, actionOf(tokenFor())),
    ).toThrow(new BrokerError('access_denied', `caller ${OPS} is not allowed to use the broker`));
    expect(requireAllowed(policy, { id: OPS, source: 'iam' }, actionOf(tokenFor()))).toBe(
      'RULE-OPS',
    );
  });

  describe('with several rules for one caller', () => {
    const caller = 'arn:aws:iam::555555555555:role/multi';
    const multi = parsePolicy(
      {
        rules: [
          { name: 'RULE-A', callers: [caller], scopes: ['a'], orgs: [ORG_A] },
          { name: 'RULE-B', callers: [caller], scopes: ['b'], orgs: [ORG_A, ORG_B] },
          {
            name: 'RULE-C',
            callers: ['arn:aws:iam::555555555555:role/*'],
            scopes: ['c'],
            orgs: '*',
            skipCache: true,
          },
        ],
      },
      'test',
    );

    it.each([
      [{ scopes: ['a'], org: ORG_A }, 'RULE-A'],
      [{ scopes: ['b'], org: ORG_A }, 'RULE-B'],
      [{ scopes: ['b'], org: ORG_B }, 'RULE-B'],
      [{ scopes: ['c'], org: ORG_C, skipCache: true }, 'RULE-C'],
    ] as [Asked, string][])('allows %j by the one rule that allows all of it', (action, name) => {
      expect(decideFor(multi, caller, action)).toEqual(allowedBy(name));
    });

    it.each([
      [{ scopes: ['a', 'b'], org: ORG_A }, 'scopes split over two rules'],
      [{ scopes: ['a'], org: ORG_B }, 'scope from one rule, org from another'],
      [{ scopes: ['a'], org: ORG_A, skipCache: true }, 'skipCache from another rule'],
      [{ scopes: ['a', 'c'], org: ORG_A }, 'scope from a wildcard rule'],
    ] as [Asked, string][])('denies %j (%s)', (action) => {
      expect(decideFor(multi, caller, action).allowed).toBe(false);
    });
  });

  it('treats regex characters in a pattern literally', () => {
    const dotted = parsePolicy(
      {
        rules: [
          {
            name: 'R',
            callers: ['arn:aws:iam::111111111111:role/a.b*'],
            scopes: ['s'],
            orgs: '*',
            vendorTokens: true,
          },
        ],
      },
      'test',
    );
    expect(decideFor(dotted, 'arn:aws:iam::111111111111:role/a.b-1', { scopes: ['s'] })).toEqual(
      allowedBy('R'),
    );
    expect(
      decideFor(dotted, 'arn:aws:iam::111111111111:role/aXb-1', { scopes: ['s'] }).allowed,
    ).toBe(false);
  });
});

describe('a token action', () => {
  const ops = parsePolicy(
    { rules: [{ name: 'R', callers: [OPS], scopes: ['a'], orgs: [ORG_A] }] },
    'test',
  );

  it.each([
    [{ scope: 'a', org: `0192:${ORG_A}`, minTtl: 30 }, true],
    // Only the org's default system user unless the rule names the externalRef.
    [{ scope: 'a', org: ORG_A, externalRef: 'r' }, false],
    [{ scope: 'a', org: ORG_A, exchange: 'altinn' }, false],
    [{ scope: 'a', org: ORG_A, resource: 'https://a.no/' }, true],
    [{ scope: 'a', org: ORG_A, skipCache: true }, false],
    [{ scope: 'a b', org: ORG_A }, false],
    [{ scope: 'a', consumerOrg: ORG_B }, false],
  ])('decides the whole parsed request %j (allowed: %s)', (body, allowed) => {
    const request = parseTokenRequest(body);
    expect(decide(ops, { id: OPS, source: 'iam' }, { kind: 'token', request }).allowed).toBe(
      allowed,
    );
  });
});

describe('administrative scopes (issue 11 §2)', () => {
  const ADMIN_CALLER = 'arn:aws:iam::111111111111:role/onboarding';
  const policyOf = (scopes: string[], extra: Record<string, unknown> = {}) =>
    parsePolicy(
      { rules: [rule({ callers: [ADMIN_CALLER], scopes, vendorTokens: true })], ...extra },
      'test',
    );
  const may = (policy: CallerPolicy, scope: string) =>
    decide(policy, { id: ADMIN_CALLER, source: 'iam' }, actionOf({ scopes: [scope] })).allowed;

  it.each([
    ['altinn:*', 'altinn:authentication/systemregister.write'],
    ['altinn:*', 'altinn:authentication/systemregister.admin'],
    ['altinn:*', 'altinn:authentication/systemuser.request.write'],
    ['altinn:*', 'altinn:authentication/systemuser.request.read'],
    ['*', 'altinn:authentication/systemregister.write'],
    ['altinn:authentication/*', 'altinn:authentication/systemregister.write'],
    // Even the administrative prefix itself is a wildcard: the scope must be named exactly.
    ['altinn:authentication/systemregister.*', 'altinn:authentication/systemregister.write'],
    ['idporten:*', 'idporten:dcr.write'],
    ['idporten:dcr*', 'idporten:dcr.modify'],
    ['*', 'idporten:dcr/onbehalfof:write'],
  ])('%s never grants %s', (pattern, scope) => {
    expect(may(policyOf([pattern]), scope)).toBe(false);
  });

  it.each([
    'altinn:authentication/systemregister.write',
    'altinn:authentication/systemuser.request.read',
    'idporten:dcr.write',
  ])('a rule naming %s exactly grants it', (scope) => {
    expect(may(policyOf([scope, 'altinn:*']), scope)).toBe(true);
  });

  it('still lets a wildcard grant the scopes that administer nothing', () => {
    const policy = policyOf(['altinn:*', '*']);
    expect(may(policy, 'altinn:serviceowner/instances.read')).toBe(true);
    expect(may(policy, 'altinn:authentication/systemregister')).toBe(true); // no "." after it
    expect(may(policy, 'krr:global/kontaktinformasjon.read')).toBe(true);
  });

  it('treats the document’s own administrativeScopes the same way', () => {
    const policy = policyOf(['skatteetaten:*', 'skatteetaten:admin.exact'], {
      administrativeScopes: ['skatteetaten:admin.*'],
    });
    expect(may(policy, 'skatteetaten:admin.write')).toBe(false);
    expect(may(policy, 'skatteetaten:admin.exact')).toBe(true);
    expect(may(policy, 'skatteetaten:mvameldinger')).toBe(true);
  });

  it('denies a request with one administrative scope among ordinary ones', () => {
    const policy = policyOf(['altinn:*']);
    const action = actionOf({ scopes: ['altinn:a', 'altinn:authentication/systemregister.write'] });
    expect(decide(policy, { id: ADMIN_CALLER, source: 'iam' }, action).allowed).toBe(false);
  });

  it('applies the vendor’s administrative scopes to a policy built without them', () => {
    const bare: CallerPolicy = {
      rules: parsePolicy(
        { rules: [rule({ callers: [ADMIN_CALLER], scopes: ['*'], vendorTokens: true })] },
        'test',
      ).rules,
    };
    expect(may(bare, 'altinn:authentication/systemregister.write')).toBe(false);
  });
});

describe('exchange and externalRefs are granted only by name (issue 11 §2)', () => {
  const CALLER = 'arn:aws:iam::111111111111:role/service';
  const ask = (grants: Record<string, unknown>, body: Record<string, unknown>) =>
    decide(
      parsePolicy({ rules: [rule({ callers: [CALLER], scopes: ['krr:*'], ...grants })] }, 'test'),
      { id: CALLER, source: 'iam' },
      { kind: 'token', request: parseTokenRequest({ scope: 'krr:a', org: ORG_A, ...body }) },
    );

  it.each([
    [{}, {}, true],
    [{}, { exchange: 'altinn' }, false],
    [{ exchange: ['altinn'] }, { exchange: 'altinn' }, true],
    [{ exchange: [] }, { exchange: 'altinn' }, false],
    [{}, { externalRef: 'avdeling-nord' }, false],
    [{ externalRefs: ['avdeling-nord'] }, { externalRef: 'avdeling-nord' }, true],
    [{ externalRefs: ['avdeling-nord'] }, { externalRef: 'avdeling-sor' }, false],
    [{ externalRefs: ['avdeling-nord'] }, {}, true],
    [{ externalRefs: '*' }, { externalRef: 'anything' }, true],
  ])('rule %j, request %j: allowed %s', (grants, body, allowed) => {
    expect(ask(grants, body).allowed).toBe(allowed);
  });

  it('says what was denied', () => {
    expect(reasonOf(ask({}, { externalRef: 'avdeling-nord', exchange: 'altinn' }))).toBe(
      `caller ${CALLER} may not get scope krr:a for org ${ORG_A} with externalRef avdeling-nord exchanged for an Altinn token`,
    );
  });
});

describe('binding a rule to the role’s unique id (issue 11 §2)', () => {
  const ROLE = 'arn:aws:iam::111111111111:role/payroll';
  const ROLE_ID = 'AROAEXAMPLEPAYROLL01';
  const bound = parsePolicy(
    { rules: [rule({ callers: [ROLE], roleIds: [ROLE_ID], vendorTokens: true })] },
    'test',
  );
  const ask = (roleId: string | undefined, source: 'iam' | 'local-header' = 'iam') =>
    decide(
      bound,
      { id: ROLE, source, ...(roleId ? { roleId } : {}) },
      actionOf({ scopes: ['a:read'] }),
    );

  it('allows the role with that id', () => {
    expect(ask(ROLE_ID).allowed).toBe(true);
  });

  it.each([
    ['a role deleted and created again under the same name', 'AROAEXAMPLEPAYROLL02'],
    ['a caller whose id is unknown (the local server)', undefined],
  ])('denies %s as an unknown caller', (_, roleId) => {
    expect(reasonOf(ask(roleId))).toBe(`caller ${ROLE} is not allowed to use the broker`);
  });
});

describe('the allowing decision carries the rule’s miss budget', () => {
  it('uses the rule’s own maxMissesPerMinute, else the policy’s', () => {
    const policy = parsePolicy(
      {
        maxMissesPerMinute: 50,
        rules: [
          rule({ name: 'tight', scopes: ['a'], maxMissesPerMinute: 3 }),
          rule({ name: 'default', scopes: ['b'] }),
        ],
      },
      'test',
    );
    const caller = { id: OPS, source: 'iam' as const };
    expect(decide(policy, caller, actionOf({ scopes: ['a'], org: ORG_A }))).toEqual({
      allowed: true,
      rule: 'tight',
      maxMissesPerMinute: 3,
    });
    expect(decide(policy, caller, actionOf({ scopes: ['b'], org: ORG_A }))).toEqual({
      allowed: true,
      rule: 'default',
      maxMissesPerMinute: 50,
    });
  });

  it('has no budget under the open policy (the one local identity)', () => {
    expect(decide(OPEN_POLICY, undefined, actionOf({ scopes: ['a'] }))).toEqual({
      allowed: true,
      rule: 'open (no policy)',
    });
  });
});
