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

  it('gives the demo system what onboarding needs: rights, packages and a redirect URL', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();

    seedDemo(sandbox, { publicJwk: key.publicJwk });

    expect(sandbox.altinn.getSystem(DEMO.systemId)).toMatchObject({
      rights: [
        { resource: [{ id: 'urn:altinn:resource', value: 'demo-regnskap' }] },
        { resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] },
      ],
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

  it('gives the seeded standard system users the accounting right and package, not payroll', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    seedDemo(sandbox, { publicJwk: (await createTestKey()).publicJwk });

    expect(sandbox.altinn.getSystemUser(DEMO.customers.standard.systemUserId)).toMatchObject({
      rights: [DEMO.onboarding.right],
      accessPackages: [{ urn: DEMO.onboarding.standardPackage }],
    });
    expect(sandbox.altinn.getSystemUser(DEMO.customers.agent.systemUserId)).toMatchObject({
      rights: [],
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
    });
  });

  it('puts its organisations, and the synthetic 31… block, in the Entity Register', async () => {
    const seeded = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const bare = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();
    seedDemo(seeded, { publicJwk: key.publicJwk });
    seedDemo(bare, { publicJwk: key.publicJwk, clientId: 'other', syntheticOrganisations: false });

    const demoOrgs = [
      DEMO.vendor.orgNo,
      ...Object.values(DEMO.customers).map((c) => c.orgNo),
      ...DEMO.onboarding.prospects,
    ];
    for (const orgNo of demoOrgs) expect(seeded.altinn.entityRegister.has(orgNo), orgNo).toBe(true);
    for (const orgNo of demoOrgs) expect(bare.altinn.entityRegister.has(orgNo), orgNo).toBe(true);
    expect(seeded.altinn.entityRegister.has('317700008')).toBe(true);
    expect(bare.altinn.entityRegister.has('317700008')).toBe(false);
    expect(seeded.altinn.entityRegister.has('991825827')).toBe(false);
  });

  it("takes more organisations from the sandbox's altinn.organisations option", async () => {
    const sandbox = await createSandbox({
      origin: 'http://127.0.0.1:9',
      altinn: { organisations: ['991825827'] },
    });

    expect(sandbox.altinn.entityRegister.has('991825827')).toBe(true);
    expect(sandbox.altinn.entityRegister.has('910753614')).toBe(false);
  });

  it('links a custom client id instead of the demo one', async () => {
    const sandbox = await createSandbox({ origin: 'http://127.0.0.1:9' });
    const key = await createTestKey();

    seedDemo(sandbox, { clientId: 'broker-client', publicJwk: key.publicJwk });

    expect(sandbox.altinn.systemForClient('broker-client')?.id).toBe(DEMO.systemId);
    expect(sandbox.altinn.systemForClient(DEMO.clientId)).toBeUndefined();
  });
});
