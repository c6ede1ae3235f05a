import type { JWK } from 'jose';
import type { SystemUser } from './altinn/index.js';
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
    'demo:lonn.read',
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
    /** A second right the system offers; the seeded system users do not hold it. */
    payrollRight: { resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] },
    standardPackage: 'urn:altinn:accesspackage:skattegrunnlag',
    agentPackage: 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet',
    prospects: ['314250052', '701730496', '123456785'],
  },
  /**
   * The scopes Altinn governs in the demo (the stand-in Resource Registry): a system-user token
   * for one needs a right or package that gives it, else MP-300/MP-301. The other demo scopes are
   * open to any system user.
   */
  governedScopes: {
    /** Given by the `demo-regnskap` right and the standard package. */
    accounting: 'skatteetaten:mvameldinger',
    /** Given by the `demo-lonn` right only: what a change request adds. */
    payroll: 'demo:lonn.read',
  },
} as const;

export interface SeedDemoOptions {
  /** Defaults to `DEMO.clientId`. */
  clientId?: string;
  /** The broker's public key, with `kid`. */
  publicJwk: JWK;
  /** Scopes the client is granted besides the demo's (e.g. an environment's smoke-test scope). */
  extraScopes?: readonly string[];
  /**
   * Default true: every orgno with a valid check digit that starts with `31` exists in the Entity
   * Register, standing in for the synthetic Tenor organisations that populate TT02's. False leaves
   * only the demo's own organisations, so any other orgno is AUTH-00000.
   */
  syntheticOrganisations?: boolean;
}

/** The Entity Register block the demo seeds (see `SeedDemoOptions.syntheticOrganisations`). */
export const DEMO_SYNTHETIC_ORG_BLOCK = '31';

export interface SeededDemo {
  clientId: string;
  systemUsers: SystemUser[];
}

/**
 * Registers the demo's organisations in the Entity Register, the demo vendor's system (with two
 * rights, a standard and an agent package and one allowed redirect URL), which rights and packages
 * give the governed scopes, its Maskinporten client and the demo customers' system users (the
 * standard ones with the accounting right and the standard package, the agent with the agent
 * package).
 */
export function seedDemo(sandbox: Sandbox, options: SeedDemoOptions): SeededDemo {
  const clientId = options.clientId ?? DEMO.clientId;
  const { vendor, systemId, customers, onboarding } = DEMO;
  const register = sandbox.altinn.entityRegister;
  register.add(vendor.orgNo, vendor.name);
  for (const customer of Object.values(customers)) register.add(customer.orgNo);
  for (const prospect of onboarding.prospects) register.add(prospect);
  if (options.syntheticOrganisations !== false) register.addBlock(DEMO_SYNTHETIC_ORG_BLOCK);
  sandbox.altinn.registerSystem({
    id: systemId,
    vendorOrgNo: vendor.orgNo,
    name: { nb: 'Demo-megler', nn: 'Demo-meklar', en: 'Demo broker' },
    description: {
      nb: `Tokenmegler fra ${vendor.name}`,
      nn: `Tokenmeklar frå ${vendor.name}`,
      en: `Token broker from ${vendor.name}`,
    },
    rights: [rightOf(onboarding.right), rightOf(onboarding.payrollRight)],
    accessPackages: [{ urn: onboarding.standardPackage }, { urn: onboarding.agentPackage }],
    allowedRedirectUrls: [onboarding.redirectUrl],
    isVisible: false,
  });
  const { resources } = sandbox.altinn;
  resources.defineResource('demo-regnskap', [DEMO.governedScopes.accounting]);
  resources.definePackage(onboarding.standardPackage, [DEMO.governedScopes.accounting]);
  resources.defineResource('demo-lonn', [DEMO.governedScopes.payroll]);
  sandbox.maskinporten.registerClient({
    clientId,
    orgnr: vendor.orgNo,
    scopes: [...DEMO.scopes, ...(options.extraScopes ?? [])],
    keys: [options.publicJwk],
    systemId,
  });
  const standardAccess = {
    rights: [rightOf(onboarding.right)],
    accessPackages: [{ urn: onboarding.standardPackage }],
  };
  const systemUsers = [
    sandbox.altinn.createSystemUser({
      id: customers.standard.systemUserId,
      systemId,
      reporteeOrgNo: customers.standard.orgNo,
      ...standardAccess,
    }),
    sandbox.altinn.createSystemUser({
      id: customers.withExternalRef.systemUserId,
      systemId,
      reporteeOrgNo: customers.withExternalRef.orgNo,
      externalRef: customers.withExternalRef.externalRef,
      ...standardAccess,
    }),
    sandbox.altinn.createSystemUser({
      id: customers.agent.systemUserId,
      systemId,
      reporteeOrgNo: customers.agent.orgNo,
      userType: 'agent',
      rights: [],
      accessPackages: [{ urn: onboarding.agentPackage }],
    }),
  ];
  return { clientId, systemUsers };
}

const rightOf = (right: { resource: readonly { id: string; value: string }[] }) => ({
  resource: right.resource.map((attribute) => ({ ...attribute })),
});
