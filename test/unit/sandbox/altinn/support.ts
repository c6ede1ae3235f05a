import { DEMO } from '../../../../shared/sandbox/demo.js';
import { altinn, type CallOptions, validOrgNos } from '../../../support/altinn-vendor.js';
import type { TestSandbox } from '../../../support/sandbox-fixture.js';

/** Paths under `{platform}/authentication/api/v1/`. */
export const PATHS = {
  standard: 'systemuser/request/vendor',
  agent: 'systemuser/request/vendor/agent',
  byId: (id: string) => `systemuser/request/vendor/${id}`,
  agentById: (id: string) => `systemuser/request/vendor/agent/${id}`,
  byRef: (org: string, ref: string, systemId: string = DEMO.systemId) =>
    `systemuser/request/vendor/byexternalref/${systemId}/${org}/${encodeURIComponent(ref)}`,
  agentByRef: (org: string, ref: string, systemId: string = DEMO.systemId) =>
    `systemuser/request/vendor/agent/byexternalref/${systemId}/${org}/${encodeURIComponent(ref)}`,
} as const;

/** Fresh customers: valid orgnos in the demo's Entity Register block (31…), `count` at a time. */
export function orgSupply(seed: number, count = 60) {
  const orgs = validOrgNos(count, seed);
  let next = 0;
  return () => {
    const org = orgs[next++];
    if (org === undefined) throw new Error('out of test orgnos: raise the count');
    return org;
  };
}

/** Orgnos with a valid check digit that are not in the demo's Entity Register (97…). */
export const orgsOutsideRegister = (count: number) => validOrgNos(count, 97_400_000);

export const post = (t: TestSandbox, path: string, body: unknown, token: string) =>
  altinn(t, 'POST', path, { token, body });

export const get = (t: TestSandbox, path: string, token: string, options: CallOptions = {}) =>
  altinn(t, 'GET', path, { token, ...options });

export const del = (t: TestSandbox, path: string, token: string) =>
  altinn(t, 'DELETE', path, { token });

/** Registers another system for the demo vendor (a vendor may have several). */
export function registerSecondSystem(t: TestSandbox, suffix: string) {
  return t.sandbox.altinn.registerSystem({
    id: `${DEMO.vendor.orgNo}_${suffix}`,
    vendorOrgNo: DEMO.vendor.orgNo,
    rights: [structuredClone(DEMO.onboarding.right) as never],
    accessPackages: [
      { urn: DEMO.onboarding.standardPackage },
      { urn: DEMO.onboarding.agentPackage },
    ],
    allowedRedirectUrls: [DEMO.onboarding.redirectUrl],
    isVisible: false,
  });
}
