import { describe, expect, it } from 'vitest';
import {
  parseJsonText,
  readPage,
  readSystemUser,
  readSystemUserRequest,
} from '../../../../shared/adapters/altinn/altinn-json.js';
import { readFixture } from '../../../support/fixtures.js';

describe('readSystemUserRequest on the real fixtures', () => {
  it('reads the standard response from TT02 (no created field, empty redirectUrl)', () => {
    const request = readSystemUserRequest(
      readFixture('altinn/systemuser-request-standard-response.json'),
    );

    expect(request).toEqual({
      id: 'b5e6ac27-a24e-4eaa-b93c-32e4091f2384',
      integrationTitle: 'Digdir integrasjonspunkt',
      externalRef: '991825827_integrasjonspunkt_systembruker_311780735',
      systemId: '991825827_integrasjonspunkt',
      partyOrgNo: '311780735',
      rights: [],
      accessPackages: [{ urn: 'urn:altinn:accesspackage:informasjon-og-kommunikasjon' }],
      status: 'New',
      confirmUrl:
        'https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=b5e6ac27-a24e-4eaa-b93c-32e4091f2384&DONTCHOOSEREPORTEE=true',
      escalated: false,
      timedOut: false,
    });
  });

  it('reads the docs agent example with lower-case accesspackages', () => {
    const request = readSystemUserRequest(
      readFixture('altinn/systemuser-request-agent-response.docs-extract.json'),
    );

    expect(request?.accessPackages).toEqual([
      { urn: 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet' },
    ]);
    expect(request?.externalRef).toBe('314250052');
    expect(request?.partyOrgNo).toBe('314112938');
    expect(request?.redirectUrl).toBeUndefined();
    expect(request?.timedOut).toBeUndefined();
  });

  it('refuses an object without the required fields', () => {
    expect(readSystemUserRequest({ id: 'x', status: 'New' })).toBeUndefined();
    expect(readSystemUserRequest('x')).toBeUndefined();
  });
});

describe('readPage on the real fixtures', () => {
  it('reads a last page whose links is {} (no next key at all)', () => {
    const page = readPage(readFixture('altinn/systemusers-by-system-paginated.json'));
    expect(page?.next).toBeUndefined();
    expect(page?.data.length).toBeGreaterThan(0);
    const users = page?.data.map(readSystemUser);
    expect(users?.every((user) => user !== undefined)).toBe(true);
    expect(users?.[0]).toMatchObject({ userType: 'standard' });
    expect(users?.[0]?.productName).toBeUndefined();
  });

  it('keeps an absolute internal http next link as it is (the client re-bases it)', () => {
    const page = readPage(readFixture('altinn/systemuser-requests-by-system-paginated-at22.json'));
    expect(page?.next).toMatch(
      /^http:\/\/internal\.platform\.at22\.altinn\.cloud\/authentication\/api\/v1\/.*\?token=/,
    );
    const requests = page?.data.map(readSystemUserRequest);
    expect(requests).toHaveLength(20);
    expect(
      requests?.every((request) => request !== undefined && request.confirmUrl === undefined),
    ).toBe(true);
  });

  it('treats next: null as the last page', () => {
    expect(readPage({ links: { next: null }, data: [] })).toEqual({ data: [] });
  });
});

describe('readSystemUser', () => {
  it('reads the older docs DTO (partyId, systemInternalId, no userType)', () => {
    const user = readSystemUser(
      readFixture('altinn/systemuser-dto-byexternalid.docs-extract.json'),
    );
    expect(user).toMatchObject({
      id: '704013ee-e82a-433e-83c5-a40e6e00d746',
      systemId: '991825827_smartcloud',
      reporteeOrgNo: '313775429',
      externalRef: '313775429',
      isDeleted: false,
    });
    expect(user?.userType).toBeUndefined();
  });
});

describe('parseJsonText', () => {
  it('strips a BOM and returns undefined for junk', () => {
    expect(parseJsonText('\uFEFF{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonText('<html>')).toBeUndefined();
  });
});
