import type { JWK } from 'jose';
import type { SystemUser } from './altinn-model.js';
import type { Sandbox } from './sandbox.js';

/**
 * Demo data for `npm start` and tests. Every orgno passes MOD11 (the placeholders in Digdir's and
 * Altinn's examples, such as 123456789 and 987654321, do not).
 */
export const DEMO = {
  clientId: '5f1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10',
  vendor: { orgNo: '310547891', name: 'Demo Leverandør AS' },
  systemId: '310547891_demo_broker',
  scopes: [
    'krr:global/kontaktinformasjon.read',
    'skatteetaten:mvameldinger',
    'digdir:dialogporten',
    'altinn:authentication/systemuser.request.read',
    'altinn:authentication/systemuser.request.write',
    'altinn:authentication/systemregister.write',
    /** Digdir's admin scope: the broker manages its own keys through the self-service API. */
    'idporten:dcr.write',
  ],
  customers: {
    /** Standard system user created without externalRef: the grant may omit it. */
    standard: {
      orgNo: '910753614',
      systemUserId: '0d7b6c8e-5a3f-4e21-9c4d-1f2e3a4b5c61',
    },
    /** Standard system user created with an externalRef: every grant must repeat it. */
    withExternalRef: {
      orgNo: '313725138',
      externalRef: 'avdeling-nord',
      systemUserId: '6a1e9f3b-2c7d-4b85-8e0a-7c3d2b1a0f92',
    },
    /** Agent system user; the grant names the owner (this facilitator), never one of its clients. */
    agent: {
      orgNo: '310904473',
      systemUserId: 'b3c5d7e9-4f6a-4c8b-9d1e-2a3b4c5d6e73',
    },
    /** A valid orgno with no system user: a grant for it gets MP-303. */
    withoutSystemUser: { orgNo: '314112938' },
  },
  /**
   * What the demo system offers for vendor-driven onboarding (system-user requests): its only
   * allowed redirect URL, its right, its access packages (the agent one is a client-relationship
   * package, so the system is registered with `isVisible: false`, as Altinn requires), and valid
   * orgnos that have neither a system user nor a request.
   */
  onboarding: {
    redirectUrl: 'https://vendor.example/onboarding/done',
    right: { resource: [{ id: 'urn:altinn:resource', value: 'demo-regnskap' }] },
    standardPackage: 'urn:altinn:accesspackage:skattegrunnlag',
    agentPackage: 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet',
    prospects: ['314250052', '701730496', '123456785'],
  },
} as const;

export interface SeedDemoOptions {
  /** Defaults to `DEMO.clientId`. */
  clientId?: string;
  /** The broker's public key, with `kid`. */
  publicJwk: JWK;
}

export interface SeededDemo {
  clientId: string;
  systemUsers: SystemUser[];
}

/**
 * Registers the demo vendor's system (with a right, a standard and an agent package and one
 * allowed redirect URL), its Maskinporten client and the demo customers' system users.
 */
export function seedDemo(sandbox: Sandbox, options: SeedDemoOptions): SeededDemo {
  const clientId = options.clientId ?? DEMO.clientId;
  const { vendor, systemId, customers, onboarding } = DEMO;
  sandbox.altinn.registerSystem({
    id: systemId,
    vendorOrgNo: vendor.orgNo,
    name: { nb: 'Demo-megler', nn: 'Demo-meklar', en: 'Demo broker' },
    description: {
      nb: `Tokenmegler fra ${vendor.name}`,
      nn: `Tokenmeklar frå ${vendor.name}`,
      en: `Token broker from ${vendor.name}`,
    },
    rights: [{ resource: onboarding.right.resource.map((attribute) => ({ ...attribute })) }],
    accessPackages: [{ urn: onboarding.standardPackage }, { urn: onboarding.agentPackage }],
    allowedRedirectUrls: [onboarding.redirectUrl],
    isVisible: false,
  });
  sandbox.maskinporten.registerClient({
    clientId,
    orgnr: vendor.orgNo,
    scopes: [...DEMO.scopes],
    keys: [options.publicJwk],
    systemId,
  });
  const systemUsers = [
    sandbox.altinn.createSystemUser({
      id: customers.standard.systemUserId,
      systemId,
      reporteeOrgNo: customers.standard.orgNo,
    }),
    sandbox.altinn.createSystemUser({
      id: customers.withExternalRef.systemUserId,
      systemId,
      reporteeOrgNo: customers.withExternalRef.orgNo,
      externalRef: customers.withExternalRef.externalRef,
    }),
    sandbox.altinn.createSystemUser({
      id: customers.agent.systemUserId,
      systemId,
      reporteeOrgNo: customers.agent.orgNo,
      userType: 'agent',
    }),
  ];
  return { clientId, systemUsers };
}
