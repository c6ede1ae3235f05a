import { describe, expect, it } from 'vitest';
import { isValidOrgnr } from '../../../shared/domain/orgnr.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { createSandbox } from '../../../shared/sandbox/sandbox.js';
import { createTestKey } from '../../support/sandbox-grants.js';

describe('demo data', () => {
  it('uses only orgnos with a valid MOD11 check digit', () => {
    const orgNos = [DEMO.vendor.orgNo, ...Object.values(DEMO.customers).map((c) => c.orgNo)];

    expect(orgNos).toEqual(['310547891', '910753614', '313725138', '310904473', '314112938']);
    for (const orgNo of orgNos) expect(isValidOrgnr(orgNo), orgNo).toBe(true);
  });

  it('seeds the system, the client and three system users, none for 314112938', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();

    const seeded = seedDemo(sandbox, { publicJwk: key.publicJwk });

    expect(seeded.clientId).toBe('5f1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10');
    expect(sandbox.altinn.getSystem(DEMO.systemId)).toMatchObject({
      vendorOrgNo: '310547891',
      clientId: [DEMO.clientId],
    });
    const users = sandbox.altinn.listSystemUsers(DEMO.systemId);
    expect(users.map((u) => [u.reporteeOrgNo, u.externalRef, u.userType])).toEqual([
      ['910753614', '910753614', 'standard'],
      ['313725138', 'avdeling-nord', 'standard'],
      ['310904473', '310904473', 'agent'],
    ]);
    expect(
      sandbox.altinn.findSystemUser({ clientId: DEMO.clientId, systemUserOwnerOrgNo: '314112938' }),
    ).toMatchObject({ ok: false });
  });

  it('gives the demo system what onboarding needs: a right, packages and a redirect URL', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();

    seedDemo(sandbox, { publicJwk: key.publicJwk });

    expect(sandbox.altinn.getSystem(DEMO.systemId)).toMatchObject({
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'demo-regnskap' }] }],
      accessPackages: [
        { urn: 'urn:altinn:accesspackage:skattegrunnlag' },
        { urn: 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet' },
      ],
      allowedRedirectUrls: ['https://vendor.example/onboarding/done'],
      isVisible: false,
    });
    for (const orgNo of DEMO.onboarding.prospects) expect(isValidOrgnr(orgNo), orgNo).toBe(true);
    expect(sandbox.altinn.getSystemUser(DEMO.customers.agent.systemUserId)?.clients).toEqual([]);
  });

  it('links a custom client id instead of the demo one', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();

    seedDemo(sandbox, { clientId: 'broker-client', publicJwk: key.publicJwk });

    expect(sandbox.altinn.systemForClient('broker-client')?.id).toBe(DEMO.systemId);
    expect(sandbox.altinn.systemForClient(DEMO.clientId)).toBeUndefined();
  });
});
