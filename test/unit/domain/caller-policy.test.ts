import { describe, expect, it } from 'vitest';
import {
  type CallerPolicy,
  DENY_ALL,
  decide,
  OPEN_POLICY,
  type PolicyAction,
  type PolicyDecision,
  parsePolicy,
  requireAllowed,
} from '../../../shared/domain/caller-policy.js';
import { BrokerError } from '../../../shared/domain/errors.js';
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
  it('normalises rules: bare orgnrs, defaults false, no empty name', () => {
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
          scopes: ['krr:*', 'a:read'],
          orgs: [ORG_A, ORG_B],
          vendorTokens: true,
          skipCache: true,
          systemUserRequests: true,
        },
        {
          callers: [OPS],
          scopes: ['a:read'],
          orgs: '*',
          vendorTokens: false,
          skipCache: false,
          systemUserRequests: false,
        },
      ],
    });
  });

  it('accepts no rules at all (and then allows nothing)', () => {
    expect(parsePolicy({ rules: [] }, 'test')).toStrictEqual({ rules: [] });
  });

  it.each([
    'arn:aws:iam::111111111111:role/x',
    'arn:aws:iam::111111111111:role/path/x',
    'arn:aws:iam::111111111111:role/*',
    'arn:aws:iam::111111111111:role/a*b*c',
    'arn:aws:iam::111111111111:user/alice',
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
      'rules.0.callers.0: must be IAM ARNs',
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
    [
      'an unnamed rule',
      'arn:aws:iam::444444444444:role/vendor',
      { scopes: ['v:read'] },
      'unnamed rule',
    ],
    [
      'a vendor token with an allowed consumerOrg',
      'arn:aws:iam::444444444444:role/vendor',
      { scopes: ['v:read'], consumerOrg: ORG_C },
      'unnamed rule',
    ],
  ];

  it.each(allowed)('allows %s', (_, caller, action, ruleName) => {
    expect(decideFor(policy, caller, action)).toEqual({ allowed: true, rule: ruleName });
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
    expect(reason).not.toMatch(/RULE-|unnamed rule/);
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
      expect(decideFor(multi, caller, action)).toEqual({ allowed: true, rule: name });
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
    expect(decideFor(dotted, 'arn:aws:iam::111111111111:role/a.b-1', { scopes: ['s'] })).toEqual({
      allowed: true,
      rule: 'R',
    });
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
    [{ scope: 'a', org: `0192:${ORG_A}`, externalRef: 'r', minTtl: 30 }, true],
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
