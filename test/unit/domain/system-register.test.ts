import { describe, expect, it } from 'vitest';
import { checkSystemRegistration } from '../../../shared/domain/system-register.js';
import { readFixture } from '../../support/fixtures.js';

const FIXTURE_CLIENT = '32ef65ac-6e62-498d-880f-76c85c2052ae';
const BROKER_CLIENT = '5f1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10';

const valid = () => ({
  id: '310547891_demo_broker',
  vendor: { authority: 'iso6523-actorid-upis', ID: '0192:310547891' },
  name: { nb: 'Demo', nn: 'Demo', en: 'Demo' },
  description: { nb: 'Megler', nn: 'Meklar', en: 'Broker' },
  rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
  accessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
  clientId: [BROKER_CLIENT],
  isVisible: true,
  allowedRedirectUrls: ['https://vendor.example/receipt'],
});

const problemsOf = (document: unknown, clientId = BROKER_CLIENT) =>
  checkSystemRegistration(document, { clientId }).problems;

describe('checkSystemRegistration on the real fixtures', () => {
  it("accepts Altinn's own test request, with lower-case allowedredirecturls, and emits camelCase", () => {
    const { system, problems } = checkSystemRegistration(
      readFixture('altinn/system-register-request.json'),
      { clientId: FIXTURE_CLIENT },
    );

    expect(problems).toEqual([]);
    expect(system['allowedRedirectUrls']).toEqual([
      'https://vg.no',
      'https://nrk.no',
      'https://altinn.no',
    ]);
    expect(system).not.toHaveProperty('allowedredirecturls');
    expect(system['vendor']).toEqual({ authority: 'iso6523-actorid-upis', ID: '0192:991825827' });
  });

  it('accepts the agent-package system because it is not visible', () => {
    expect(
      problemsOf(readFixture('altinn/system-register-request-accesspackages.json'), FIXTURE_CLIENT),
    ).toEqual([]);
  });

  it('accepts a GET answer (isDeleted dropped, vendor without authority) as a file to register again', () => {
    const { system, problems } = checkSystemRegistration(
      readFixture('altinn/system-register-get-response.json'),
      {
        clientId: 'a63cac91-3210-4c35-b961-5c7bf122345c',
      },
    );
    expect(problems).toEqual([]);
    expect(system).not.toHaveProperty('isDeleted');
  });

  it("names the broker's client id when the system lacks it", () => {
    expect(problemsOf(readFixture('altinn/system-register-get-response.json'))).toEqual([
      `clientId: must include the broker's Maskinporten client id ${BROKER_CLIENT} (else every system-user token fails with MP-303)`,
    ]);
  });
});

describe('checkSystemRegistration rules (Altinn ValidationErrors)', () => {
  it('accepts a complete document', () => {
    expect(problemsOf(valid())).toEqual([]);
  });

  it('accepts keys in any casing, as Altinn binds them', () => {
    const { vendor, clientId, ...rest } = valid();
    expect(problemsOf({ ...rest, Vendor: { id: vendor.ID }, ClientId: clientId })).toEqual([]);
  });

  it.each([
    [
      'id with a space',
      { id: '310547891_demo broker' },
      'id: must not contain spaces (AUTH.VLD-00013)',
    ],
    ['id of another vendor', { id: '910753614_demo' }, 'id: must be "310547891_<name>"'],
    ['id without a name', { id: '310547891_' }, 'id: must be "310547891_<name>"'],
    ['vendor without 0192', { vendor: { ID: '310547891' } }, 'vendor.ID: must be "0192:<orgno>"'],
    [
      'vendor with a bad check digit',
      { vendor: { ID: '0192:123456789' } },
      'vendor.ID: must be "0192:<orgno>"',
    ],
    [
      'a wrong authority',
      { vendor: { authority: 'x', ID: '0192:310547891' } },
      'vendor.authority: must be "iso6523-actorid-upis"',
    ],
    ['a name without nn', { name: { nb: 'a', en: 'b' } }, 'name.nn: is required'],
    [
      'a blank description',
      { description: { nb: ' ', nn: 'a', en: 'b' } },
      'description.nb: must not be empty',
    ],
    [
      'a name in another language',
      { name: { nb: 'a', nn: 'b', en: 'c', se: 'd' } },
      'name: unknown field "se"',
    ],
    [
      'a right that is not a resource',
      { rights: [{ resource: [{ id: 'urn:altinn:app', value: 'x' }] }] },
      'rights.0.resource.0.id: must be "urn:altinn:resource" (AUTH.VLD-00009)',
    ],
    [
      'a repeated right',
      { rights: [valid().rights[0], valid().rights[0]] },
      'rights: must not repeat a right (AUTH.VLD-00006)',
    ],
    [
      'a package that is not a URN',
      { accessPackages: [{ urn: 'skattegrunnlag' }] },
      'accessPackages.0.urn: must be an access package URN',
    ],
    [
      'a repeated package',
      {
        accessPackages: [
          { urn: 'urn:altinn:accesspackage:a' },
          { urn: 'urn:altinn:accesspackage:a' },
        ],
      },
      'accessPackages: must not repeat a package (AUTH.VLD-00007)',
    ],
    ['no clientId', { clientId: undefined }, 'clientId: is required'],
    [
      'a repeated client id',
      { clientId: [BROKER_CLIENT, BROKER_CLIENT] },
      'clientId: must not repeat a client id (AUTH.VLD-00011)',
    ],
    [
      'an http redirect',
      { allowedRedirectUrls: ['http://vendor.example/'] },
      'allowedRedirectUrls.0: must be absolute https URLs (AUTH.VLD-00005)',
    ],
    [
      'a client package on a visible system',
      { accessPackages: [{ urn: 'urn:altinn:accesspackage:regnskapsforer-lonn' }] },
      'isVisible: must be false with client-relationship packages',
    ],
    [
      'a client package with isVisible left out (defaults to true)',
      {
        isVisible: undefined,
        accessPackages: [{ urn: 'urn:altinn:accesspackage:ansvarlig-revisor' }],
      },
      'isVisible: must be false',
    ],
    [
      'an unknown field',
      { allowedRedirectUrl: ['https://x.example/'] },
      'document: unknown field "allowedRedirectUrl"',
    ],
  ])('reports %s', (_name, change, problem) => {
    const document: Record<string, unknown> = { ...valid(), ...change };
    for (const key of Object.keys(document)) if (document[key] === undefined) delete document[key];
    expect(problemsOf(document).some((p) => p.startsWith(problem))).toBe(true);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ id: 'x y', vendor: {}, clientId: [] });
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('checks the vendor against the broker’s own org when it is known', () => {
    expect(
      checkSystemRegistration(valid(), { clientId: BROKER_CLIENT, vendorOrgNo: '910753614' })
        .problems,
    ).toEqual([
      "vendor.ID: must be the broker's own org 0192:910753614 (Altinn answers 403 otherwise)",
    ]);
  });

  it('refuses a document that is not an object', () => {
    expect(problemsOf([])).toEqual(['the document must be a JSON object']);
  });
});
