import { randomUUID } from 'node:crypto';
import { DEMO } from '../../shared/sandbox/demo.js';
import type { Sandbox } from '../../shared/sandbox/sandbox.js';
import { ALL_ALTINN_SCOPES, OTHER_VENDOR } from './altinn-vendor.js';
import type { BrokerTransport } from './broker-transports.js';
import { createTestKey, postToken, signGrant } from './sandbox-grants.js';

/**
 * Requests that are not the broker's, made the way their owners would make them: over Altinn's
 * HTTP API with their own Maskinporten tokens. Reference §3.4: a vendor can read every request of
 * all its systems, and another vendor's is AUTH-00011.
 */

/** A second system of the demo vendor (the broker's own vendor), registered once per sandbox. */
export const SECOND_SYSTEM = `${DEMO.vendor.orgNo}_second_system`;

/** A system of another vendor (Digdir's orgno), with an agent package. */
export const FOREIGN_SYSTEM = `${OTHER_VENDOR}_foreign_system`;

/**
 * A standard request of another system of the broker's own vendor, made with a vendor token the
 * broker itself hands out (a plain vendor token: the policy's `vendorTokens`).
 */
export async function requestOfSecondSystem(broker: BrokerTransport, org: string): Promise<string> {
  const { sandbox } = broker;
  if (!sandbox.altinn.getSystem(SECOND_SYSTEM)) {
    sandbox.altinn.registerSystem({
      id: SECOND_SYSTEM,
      vendorOrgNo: DEMO.vendor.orgNo,
      accessPackages: [{ urn: DEMO.onboarding.standardPackage }],
      isVisible: false,
    });
  }
  const token = await broker.call({
    path: '/v1/token',
    body: { scope: ALL_ALTINN_SCOPES },
  });
  if (token.status !== 200) throw new Error(`no vendor token: ${token.text}`);
  return createAtAltinn(sandbox, token.json.access_token, 'systemuser/request/vendor', {
    systemId: SECOND_SYSTEM,
    partyOrgNo: org,
    accessPackages: [{ urn: DEMO.onboarding.standardPackage }],
  });
}

/**
 * A change request on a system user of another system of the broker's own vendor (the system user
 * made directly in the register, the change request over Altinn's HTTP API with a vendor token
 * the broker hands out).
 */
export async function changeOfSecondSystem(broker: BrokerTransport, org: string): Promise<string> {
  await requestOfSecondSystem(broker, org);
  const user = broker.sandbox.altinn.createSystemUser({
    systemId: SECOND_SYSTEM,
    reporteeOrgNo: org,
    rights: [],
    accessPackages: [],
  });
  const token = await broker.call({ path: '/v1/token', body: { scope: ALL_ALTINN_SCOPES } });
  const path = `systemuser/changerequest/vendor?correlation-id=${randomUUID()}&system-user-id=${user.id}`;
  return createAtAltinn(broker.sandbox, token.json.access_token, path, {
    requiredAccessPackages: [{ urn: DEMO.onboarding.standardPackage }],
  });
}

/** An agent request of another vendor's system, with that vendor's own Maskinporten client. */
export async function agentRequestOfOtherVendor(sandbox: Sandbox, org: string): Promise<string> {
  const key = await createTestKey(`other-${randomUUID()}`);
  const clientId = `other-vendor-${randomUUID()}`;
  sandbox.maskinporten.registerClient({
    clientId,
    orgnr: OTHER_VENDOR,
    scopes: ALL_ALTINN_SCOPES.split(' '),
    keys: [key.publicJwk],
  });
  if (!sandbox.altinn.getSystem(FOREIGN_SYSTEM)) {
    sandbox.altinn.entityRegister.add(OTHER_VENDOR);
    sandbox.altinn.registerSystem({
      id: FOREIGN_SYSTEM,
      vendorOrgNo: OTHER_VENDOR,
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
      isVisible: false,
    });
  }
  const assertion = await signGrant({
    issuer: sandbox.issuer,
    clientId,
    key,
    now: Math.floor(Date.now() / 1000),
    scope: ALL_ALTINN_SCOPES,
  });
  const token = await postToken(sandbox.maskinporten.tokenEndpoint, { assertion });
  if (token.status !== 200)
    throw new Error(`no token for the other vendor: ${JSON.stringify(token.json)}`);
  return createAtAltinn(
    sandbox,
    token.json['access_token'] as string,
    'systemuser/request/vendor/agent',
    {
      systemId: FOREIGN_SYSTEM,
      partyOrgNo: org,
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
    },
  );
}

async function createAtAltinn(
  sandbox: Sandbox,
  token: string,
  path: string,
  body: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${sandbox.altinnPlatformUrl}/authentication/api/v1/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`Altinn answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}
