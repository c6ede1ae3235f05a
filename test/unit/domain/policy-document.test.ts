import { describe, expect, it } from 'vitest';
import { OPEN_POLICY } from '../../../shared/domain/caller-policy.js';
import { readPolicyDocument, summarisePolicy } from '../../../shared/domain/policy-document.js';

const OPS = 'arn:aws:iam::222222222222:role/ops';
const rule = `{"callers":["${OPS}"],"scopes":["krr:*"],"orgs":"*"}`;

describe('readPolicyDocument', () => {
  it('reads a policy document', () => {
    expect(readPolicyDocument(`{"rules":[${rule}]}`, 'test').rules).toHaveLength(1);
  });

  it.each([
    ['at the top', `{"rules":[],"rules":[${rule}]}`, 'duplicate key "rules"'],
    [
      'in a rule (the second orgs would win)',
      `{"rules":[{"callers":["${OPS}"],"scopes":["krr:a"],"orgs":["910753614"],"orgs":"*"}]}`,
      'duplicate key "orgs" in rules[0]',
    ],
    [
      'in the second rule, spelt with an escape',
      `{"rules":[${rule},{"callers":["${OPS}"],"scopes":["a"],"\\u006frgs":"*","orgs":"*"}]}`,
      'duplicate key "orgs" in rules[1]',
    ],
  ])('refuses a duplicate key %s', (_, text, message) => {
    expect(() => readPolicyDocument(text, 'SSM parameter /p')).toThrow(
      `caller policy from SSM parameter /p is invalid: ${message}`,
    );
  });

  it.each(['', '{"rules": [', '{rules: []}', "{'rules': []}", '{"rules": []} x'])(
    'refuses text that is not JSON (%j)',
    (text) => {
      expect(() => readPolicyDocument(text, 'file p.json')).toThrow(
        'caller policy from file p.json is not valid JSON',
      );
    },
  );

  it('still validates the document after the JSON', () => {
    expect(() => readPolicyDocument('{"rules":[{}]}', 'test')).toThrow(
      'caller policy from test is invalid: rules.0.callers: is required',
    );
  });
});

describe('summarisePolicy (what the start and each change log)', () => {
  it('names rules and caller patterns, counts orgs and role ids, lists flags; never scopes or orgs', () => {
    const policy = readPolicyDocument(
      JSON.stringify({
        maxMissesPerMinute: 30,
        administrativeScopes: ['secret-api:admin*'],
        rules: [
          {
            name: 'payroll',
            callers: [OPS, 'arn:aws:iam::222222222222:role/payroll-*'],
            roleIds: ['AROAEXAMPLEPAYROLL01'],
            scopes: ['krr:global/kontaktinformasjon.read'],
            orgs: ['910753614', '313725138'],
            skipCache: true,
            exchange: ['altinn'],
            externalRefs: ['avdeling-nord'],
          },
          { callers: [OPS], scopes: ['*'], orgs: '*', vendorTokens: true, externalRefs: '*' },
        ],
      }),
      'test',
    );

    const summary = summarisePolicy(policy);

    expect(summary).toEqual({
      rules: [
        {
          name: 'payroll',
          callers: [OPS, 'arn:aws:iam::222222222222:role/payroll-*'],
          roleIds: 1,
          orgs: 2,
          flags: ['skipCache', 'exchange:altinn', 'externalRefs:1'],
          maxMissesPerMinute: 30,
        },
        {
          name: 'rule #2',
          callers: [OPS],
          roleIds: undefined,
          orgs: '*',
          flags: ['vendorTokens', 'externalRefs:*'],
          maxMissesPerMinute: 30,
        },
      ],
      extraAdministrativeScopes: 1,
    });
    const text = JSON.stringify(summary);
    for (const secretish of ['kontaktinformasjon', '910753614', 'AROA', 'avdeling', 'secret-api']) {
      expect(text).not.toContain(secretish);
    }
  });

  it('says the open policy is open', () => {
    expect(summarisePolicy(OPEN_POLICY)).toEqual({ open: true });
  });
});
