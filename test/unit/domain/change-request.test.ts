import { describe, expect, it } from 'vitest';
import {
  CHANGE_REQUEST_NAMESPACE,
  changeRequestId,
  isEmptyChange,
  parseChangeRequestInput,
} from '../../../shared/domain/change-request.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { uuidV5 } from '../../../shared/domain/uuid-v5.js';

const ORG = '910753614';
const PACKAGE = 'urn:altinn:accesspackage:skattegrunnlag';
const OWNER = {
  systemId: '310547891_demo_broker',
  systemUserId: '0d7b6c8e-5a3f-4e21-9c4d-1f2e3a4b5c61',
};

function rejection(body: unknown): string {
  try {
    parseChangeRequestInput(body);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    return (error as BrokerError).message;
  }
  throw new Error('expected a rejection');
}

describe('uuidV5 (RFC 9562 §5.5)', () => {
  it('matches the RFC 9562 appendix example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('sets version 5 and the RFC variant, and refuses a namespace that is not a UUID', () => {
    expect(uuidV5(CHANGE_REQUEST_NAMESPACE, 'x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(() => uuidV5('nope', 'x')).toThrow(TypeError);
  });
});

describe('parseChangeRequestInput', () => {
  it('reads the lists as sorted sets, externalRef and redirectUrl', () => {
    expect(
      parseChangeRequestInput({
        org: `0192:${ORG}`,
        externalRef: 'nord',
        requiredRights: ['b', 'a', 'b'],
        unwantedAccessPackages: [PACKAGE],
        redirectUrl: 'https://vendor.example/done',
      }),
    ).toEqual({
      org: ORG,
      externalRef: 'nord',
      requiredRights: ['a', 'b'],
      unwantedRights: [],
      requiredAccessPackages: [],
      unwantedAccessPackages: [PACKAGE],
      redirectUrl: 'https://vendor.example/done',
    });
  });

  it('takes four empty lists: Altinn answers NoChangeNeeded', () => {
    const input = parseChangeRequestInput({ org: ORG });
    expect(isEmptyChange(input)).toBe(true);
    expect(isEmptyChange({ ...input, unwantedRights: ['a'] })).toBe(false);
  });

  it.each([
    [[], 'the body must be a JSON object'],
    [{}, 'org: is required'],
    [{ org: '123456789' }, 'org: must be a 9-digit Norwegian organisation number'],
    [{ org: ORG, type: 'standard' }, 'unknown field "type"'],
    [{ org: ORG, requiredRights: 'a' }, 'requiredRights: must be an array of resource ids'],
    [{ org: ORG, requiredRights: ['a b'] }, 'requiredRights.0: must be Altinn resource ids'],
    [
      { org: ORG, requiredAccessPackages: ['skattegrunnlag'] },
      'requiredAccessPackages.0: must be access package URNs',
    ],
    [{ org: ORG, externalRef: '..' }, 'externalRef: must not be "." or ".."'],
    [{ org: ORG, redirectUrl: 'http://x.example' }, 'redirectUrl: must be an absolute https URL'],
    [
      { org: ORG, requiredRights: ['a'], unwantedRights: ['a'] },
      'unwantedRights: "a" is also in requiredRights; a change either adds or removes it',
    ],
    [
      { org: ORG, requiredAccessPackages: [PACKAGE], unwantedAccessPackages: [PACKAGE] },
      `unwantedAccessPackages: "${PACKAGE}" is also in requiredAccessPackages`,
    ],
  ])('refuses %j', (body, message) => {
    expect(rejection(body)).toContain(message);
  });
});

describe('changeRequestId', () => {
  const change = (body: Record<string, unknown>) => parseChangeRequestInput({ org: ORG, ...body });

  it('is the same for the same change, however the caller listed it, and without redirectUrl', () => {
    const id = changeRequestId(OWNER, change({ requiredRights: ['a', 'b'] }), 0);
    expect(changeRequestId(OWNER, change({ requiredRights: ['b', 'a', 'a'] }), 0)).toBe(id);
    expect(
      changeRequestId(
        OWNER,
        change({ requiredRights: ['a', 'b'], redirectUrl: 'https://vendor.example/x' }),
        0,
      ),
    ).toBe(id);
    expect(
      changeRequestId(
        { ...OWNER, systemUserId: OWNER.systemUserId.toUpperCase() },
        change({ requiredRights: ['a', 'b'] }),
        0,
      ),
    ).toBe(id);
  });

  it('differs for another change, system user, system or generation', () => {
    const base = change({ requiredRights: ['a'] });
    const id = changeRequestId(OWNER, base, 0);
    const others = [
      changeRequestId(OWNER, change({ unwantedRights: ['a'] }), 0),
      changeRequestId(OWNER, change({ requiredRights: ['a'], unwantedRights: ['b'] }), 0),
      changeRequestId(OWNER, change({ requiredAccessPackages: [PACKAGE] }), 0),
      changeRequestId({ ...OWNER, systemUserId: '6a1e9f3b-2c7d-4b85-8e0a-7c3d2b1a0f92' }, base, 0),
      changeRequestId({ ...OWNER, systemId: '310547891_other' }, base, 0),
      changeRequestId(OWNER, base, 1),
    ];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
  });

  it('is never the system user id or all zeros (Altinn refuses both, reference §5 steps 1 and 4)', () => {
    const id = changeRequestId(OWNER, change({ requiredRights: ['a'] }), 0);
    expect(id).not.toBe(OWNER.systemUserId);
    expect(id).not.toBe('00000000-0000-0000-0000-000000000000');
  });
});
