import { describe, expect, it } from 'vitest';
import { readSystemUserRequest } from '../../../shared/adapters/altinn/altinn-json.js';
import { toAltinnRequestBody } from '../../../shared/app/system-user-service.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import {
  parseSystemUserQuery,
  parseSystemUserRequestInput,
  parseTypeParam,
  requireRequestId,
} from '../../../shared/domain/system-user-request.js';
import { toRequestView, toSystemUserView } from '../../../shared/http/system-user-views.js';
import type { AltinnSystemUserRequest } from '../../../shared/ports/altinn.js';
import { readFixture } from '../../support/fixtures.js';

const ORG = '910753614';
const PACKAGE = 'urn:altinn:accesspackage:skattegrunnlag';
const SYSTEM = '310547891_demo_broker';

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).kind).toBe('invalid_request');
    return (error as BrokerError).message;
  }
  throw new Error('expected invalid_request');
}

describe('parseSystemUserRequestInput', () => {
  it('accepts a standard request with rights and packages, normalising the org', () => {
    expect(
      parseSystemUserRequestInput({
        org: `0192:${ORG}`,
        type: 'standard',
        rights: ['ske-krav-og-betalinger'],
        accessPackages: [PACKAGE],
        externalRef: 'avdeling-nord',
        redirectUrl: 'https://vendor.example/receipt?x=1',
        integrationTitle: 'Lønn',
      }),
    ).toEqual({
      org: ORG,
      type: 'standard',
      rights: ['ske-krav-og-betalinger'],
      accessPackages: [PACKAGE],
      externalRef: 'avdeling-nord',
      redirectUrl: 'https://vendor.example/receipt?x=1',
      integrationTitle: 'Lønn',
    });
  });

  it('accepts an agent request with packages only', () => {
    expect(
      parseSystemUserRequestInput({ org: ORG, type: 'agent', accessPackages: [PACKAGE] }),
    ).toEqual({
      org: ORG,
      type: 'agent',
      rights: [],
      accessPackages: [PACKAGE],
    });
  });

  it.each([
    ['not an object', [], 'the body must be a JSON object'],
    ['null', null, 'the body must be a JSON object'],
    ['no org', { type: 'standard', rights: ['x'] }, 'org: is required'],
    [
      'a bad check digit',
      { org: '123456789', type: 'standard', rights: ['x'] },
      'org: must be a 9-digit',
    ],
    ['no type', { org: ORG, rights: ['x'] }, 'type: is required'],
    [
      'an unknown type',
      { org: ORG, type: 'client', rights: ['x'] },
      'type: must be "standard" or "agent"',
    ],
    [
      'an unknown field',
      { org: ORG, type: 'standard', rights: ['x'], systemId: 'x' },
      'unknown field "systemId"',
    ],
    [
      'a standard request with nothing',
      { org: ORG, type: 'standard' },
      'rights: a standard request needs at least one right or access package',
    ],
    [
      'a standard request with empty lists',
      { org: ORG, type: 'standard', rights: [], accessPackages: [] },
      'at least one right or access package',
    ],
    [
      'an agent request with rights',
      { org: ORG, type: 'agent', rights: ['x'], accessPackages: [PACKAGE] },
      'rights: an agent request takes access packages only',
    ],
    [
      'an agent request without packages',
      { org: ORG, type: 'agent' },
      'accessPackages: an agent request needs at least one access package',
    ],
    [
      'a resource id with a space',
      { org: ORG, type: 'standard', rights: ['a b'] },
      'rights.0: must be Altinn resource ids',
    ],
    [
      'a repeated right',
      { org: ORG, type: 'standard', rights: ['a', 'a'] },
      'rights: must not repeat an entry',
    ],
    [
      'a package that is not a URN',
      { org: ORG, type: 'agent', accessPackages: ['skattegrunnlag'] },
      'accessPackages.0: must be access package URNs',
    ],
    [
      'a repeated package',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE, PACKAGE] },
      'accessPackages: must not repeat an entry',
    ],
    [
      'an http redirect',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], redirectUrl: 'http://vendor.example/' },
      'redirectUrl: must be an absolute https URL',
    ],
    [
      'a relative redirect',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], redirectUrl: '/receipt' },
      'redirectUrl: must be an absolute https URL',
    ],
    [
      'an externalRef with a space',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], externalRef: 'a b' },
      'externalRef: must not contain whitespace',
    ],
    // Reference §1 "Route values": `..` is resolved before routing, so Altinn could never find it.
    [
      'an externalRef of ".."',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], externalRef: '..' },
      'externalRef: must not be "." or ".." or contain /, \\, ?, # or %',
    ],
    [
      'an externalRef with a slash',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], externalRef: 'nord/sør' },
      'externalRef: must not be "." or ".."',
    ],
    [
      'an empty title',
      { org: ORG, type: 'agent', accessPackages: [PACKAGE], integrationTitle: '' },
      'integrationTitle: must not be empty',
    ],
    [
      'rights as a string',
      { org: ORG, type: 'standard', rights: 'x' },
      'rights: must be an array of resource ids',
    ],
  ])('refuses %s, naming the field', (_name, body, message) => {
    expect(rejection(() => parseSystemUserRequestInput(body))).toContain(message);
  });
});

describe('toAltinnRequestBody', () => {
  it('builds Altinn rights and packages from ids and URNs', () => {
    const input = parseSystemUserRequestInput({
      org: ORG,
      type: 'standard',
      rights: ['ske-krav-og-betalinger'],
      accessPackages: [PACKAGE],
      externalRef: 'ref',
      redirectUrl: 'https://vendor.example/',
    });
    expect(toAltinnRequestBody(input, SYSTEM)).toEqual({
      systemId: SYSTEM,
      partyOrgNo: ORG,
      externalRef: 'ref',
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
      accessPackages: [{ urn: PACKAGE }],
      redirectUrl: 'https://vendor.example/',
    });
  });

  it('sends no rights key for an agent request and no empty lists', () => {
    const input = parseSystemUserRequestInput({
      org: ORG,
      type: 'agent',
      accessPackages: [PACKAGE],
    });
    expect(toAltinnRequestBody(input, SYSTEM)).toEqual({
      systemId: SYSTEM,
      partyOrgNo: ORG,
      accessPackages: [{ urn: PACKAGE }],
    });
  });
});

describe('toRequestView', () => {
  const base: AltinnSystemUserRequest = {
    id: 'id',
    systemId: SYSTEM,
    partyOrgNo: ORG,
    status: 'New',
    rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'r1' }] }],
    accessPackages: [{ urn: PACKAGE }],
  };

  it('reads the real TT02 answer', () => {
    const request = readSystemUserRequest(
      readFixture('altinn/systemuser-request-standard-response.json'),
    );
    expect(request).toBeDefined();
    expect(toRequestView(request as AltinnSystemUserRequest, 'standard')).toEqual({
      id: 'b5e6ac27-a24e-4eaa-b93c-32e4091f2384',
      type: 'standard',
      status: 'New',
      timedOut: false,
      confirmUrl:
        'https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=b5e6ac27-a24e-4eaa-b93c-32e4091f2384&DONTCHOOSEREPORTEE=true',
      externalRef: '991825827_integrasjonspunkt_systembruker_311780735',
      systemId: '991825827_integrasjonspunkt',
      partyOrgNo: '311780735',
      rights: [],
      accessPackages: ['urn:altinn:accesspackage:informasjon-og-kommunikasjon'],
      integrationTitle: 'Digdir integrasjonspunkt',
    });
  });

  it('defaults externalRef to the org and flattens rights to resource ids', () => {
    expect(toRequestView(base, 'standard')).toMatchObject({
      externalRef: ORG,
      rights: ['r1'],
      accessPackages: [PACKAGE],
      timedOut: false,
    });
  });

  // Reference §3.3: the flag is `created < now − 180 days`, computed on every read whatever the
  // status; `status` is never rewritten (Repo/RequestRepository.cs:23, 473-476).
  it.each([
    ['a legacy Timedout status, without the flag', { status: 'Timedout' }, 'Timedout', false],
    ['the flag on a New request', { status: 'New', timedOut: true }, 'New', true],
    ['the flag on an accepted request', { status: 'Accepted', timedOut: true }, 'Accepted', true],
    ['the flag on a rejected request', { status: 'Rejected', timedOut: true }, 'Rejected', true],
  ])('passes %s through as Altinn sent it', (_name, change, status, timedOut) => {
    expect(toRequestView({ ...base, ...change }, 'agent')).toMatchObject({
      status,
      timedOut,
      type: 'agent',
    });
  });
});

describe('toSystemUserView', () => {
  it('reads userType, and an older DTO without it as standard', () => {
    expect(
      toSystemUserView({ id: 'u', systemId: SYSTEM, reporteeOrgNo: ORG, userType: 'agent' }),
    ).toEqual({
      id: 'u',
      type: 'agent',
      systemId: SYSTEM,
      partyOrgNo: ORG,
      externalRef: ORG,
    });
    expect(
      toSystemUserView({
        id: 'u',
        systemId: SYSTEM,
        reporteeOrgNo: ORG,
        externalRef: 'x',
        created: 'c',
      }),
    ).toMatchObject({
      type: 'standard',
      externalRef: 'x',
      created: 'c',
    });
  });
});

describe('query parameters', () => {
  it('reads org, externalRef (default org) and type', () => {
    expect(parseSystemUserQuery(new URLSearchParams({ org: ORG }), { allowType: true })).toEqual({
      org: ORG,
      externalRef: ORG,
    });
    expect(
      parseSystemUserQuery(new URLSearchParams({ org: ORG, externalRef: 'x', type: 'agent' }), {
        allowType: true,
      }),
    ).toEqual({
      org: ORG,
      externalRef: 'x',
      type: 'agent',
    });
  });

  it.each([
    ['', 'org: is required'],
    ['org=123456789', 'org: must be a 9-digit'],
    [`org=${ORG}&org=${ORG}`, 'org: must be given once'],
    [`org=${ORG}&externalRef=a%20b`, 'externalRef: must not contain whitespace'],
    [`org=${ORG}&externalRef=`, 'externalRef: must not be empty'],
    [`org=${ORG}&externalRef=..`, 'externalRef: must not be "." or ".."'],
    [`org=${ORG}&externalRef=.`, 'externalRef: must not be "." or ".."'],
    [`org=${ORG}&externalRef=a%2Fb`, 'externalRef: must not be "." or ".." or contain /'],
    [`org=${ORG}&externalRef=a%25b`, 'externalRef: must not be "." or ".." or contain /'],
    [`org=${ORG}&type=client`, 'type: must be "standard" or "agent"'],
  ])('refuses ?%s', (query, message) => {
    expect(
      rejection(() => parseSystemUserQuery(new URLSearchParams(query), { allowType: true })),
    ).toContain(message);
  });

  it('refuses type where the endpoint takes none', () => {
    expect(
      rejection(() =>
        parseSystemUserQuery(new URLSearchParams({ org: ORG, type: 'agent' }), {
          allowType: false,
        }),
      ),
    ).toContain('type: is not a parameter');
  });

  it('reads ?type= alone, and request ids as UUIDs', () => {
    expect(parseTypeParam(new URLSearchParams())).toBeUndefined();
    expect(parseTypeParam(new URLSearchParams('type=standard'))).toBe('standard');
    expect(requireRequestId('B5E6AC27-A24E-4EAA-B93C-32E4091F2384')).toBe(
      'b5e6ac27-a24e-4eaa-b93c-32e4091f2384',
    );
    expect(rejection(() => requireRequestId('../etc'))).toBe('id: must be a UUID');
  });
});
