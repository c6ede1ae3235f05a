import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../shared/sandbox/demo.js';
import {
  type BrokerTransport,
  FIXTURE_ROLE_ARN,
  startLambdaTransport,
  TRANSPORTS,
} from '../../support/broker-transports.js';

// The seed walkthrough (seeds/000: create the request → the customer approves at confirmUrl →
// status Accepted → a system-user token for that org), over real HTTP against the sandbox's
// Altinn, for a standard and an agent system user, plus Altinn's rejection, idempotency and
// "already exists" rules and the Altinn token exchange. Run over the local server and the Lambda.

const SCOPE = 'krr:global/kontaktinformasjon.read';
const { onboarding, customers, vendor } = DEMO;

/** Valid orgnos (MOD11) that the demo data does not use: fresh customers for each case. */
function freshOrgnos(prefix: number, count: number): string[] {
  const weights = [3, 2, 7, 6, 5, 4, 3, 2];
  const result: string[] = [];
  for (let n = prefix; result.length < count; n++) {
    const digits = String(n).padStart(8, '0');
    const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    result.push(`${digits}${check === 11 ? 0 : check}`);
  }
  return result;
}

describe.each(TRANSPORTS)('system-user walkthrough over %s', (_name, start) => {
  let broker: BrokerTransport;
  const [standardOrg, agentOrg, rejectedOrg, redirectOrg] = freshOrgnos(31_770_000, 4) as [
    string,
    string,
    string,
    string,
  ];

  beforeAll(async () => {
    // The walkthrough asks for a token before and right after the approval, with Maskinporten's
    // refusal remembered for the default 30 s (issue 11 §3): reading the accepted request through
    // the broker (step 3) ends the org's remembered refusals, so the token comes at once.
    broker = await start();
  });
  afterAll(async () => {
    await broker.close();
  });

  const createRequest = (body: Record<string, unknown>) =>
    broker.call({ path: '/v1/systemuser-requests', body });
  const readRequest = (id: string) =>
    broker.call({ method: 'GET', path: `/v1/systemuser-requests/${id}` });
  const token = (body: Record<string, unknown>) => broker.call({ path: '/v1/token', body });

  /** What the customer does in the browser: open the confirmUrl, then press Approve or Reject. */
  async function decide(confirmUrl: string, decision: 'accept' | 'reject', clients?: string[]) {
    const page = await fetch(confirmUrl);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('name="decision" value="accept"');
    expect(html).toContain('name="decision" value="reject"');
    const form = new URLSearchParams({
      decision,
      ...(clients ? { clients: clients.join(' ') } : {}),
    });
    const answer = await fetch(confirmUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    return { html, answer };
  }

  it('standard: create → 201 with confirmUrl → approve on the page → Accepted → the token works', async () => {
    const tokenRequestsBefore = broker.metrics.get('TokenRequests');
    const created = await createRequest({
      org: standardOrg,
      type: 'standard',
      accessPackages: [onboarding.standardPackage],
    });
    expect(created.status).toBe(201);
    // The vendor token Altinn is called with is the broker's own, not a caller's token request.
    expect(broker.metrics.get('TokenRequests')).toBe(tokenRequestsBefore);
    expect(created.json).toMatchObject({
      type: 'standard',
      status: 'New',
      timedOut: false,
      partyOrgNo: standardOrg,
      externalRef: standardOrg,
      systemId: DEMO.systemId,
      accessPackages: [onboarding.standardPackage],
    });
    const { id, confirmUrl } = created.json as { id: string; confirmUrl: string };
    expect(confirmUrl).toMatch(/\/systemuser\/request\?id=/);

    // Before approval: no token, and no system user.
    const early = await token({ scope: SCOPE, org: standardOrg });
    expect(early.status).toBe(403);
    expect(
      (await broker.call({ method: 'GET', path: `/v1/systemusers?org=${standardOrg}` })).json,
    ).toEqual({ exists: false });

    // Asking again before the customer decides returns Altinn's existing request.
    const duplicate = await createRequest({
      org: standardOrg,
      type: 'standard',
      accessPackages: [onboarding.standardPackage],
    });
    expect(duplicate.status).toBe(200);
    expect(duplicate.json.id).toBe(id);

    const { answer } = await decide(confirmUrl, 'accept');
    expect(answer.status).toBe(200);

    const status = await readRequest(id);
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({
      id,
      type: 'standard',
      status: 'Accepted',
      timedOut: false,
    });

    const response = await token({ scope: SCOPE, org: standardOrg });
    expect(response.status).toBe(200);
    const [detail] = decodeJwt(response.json.access_token)['authorization_details'] as Array<
      Record<string, unknown>
    >;
    expect(detail).toMatchObject({
      type: 'urn:altinn:systemuser',
      systemuser_org: { ID: `0192:${standardOrg}` },
      system_id: DEMO.systemId,
    });

    const lookup = await broker.call({ method: 'GET', path: `/v1/systemusers?org=${standardOrg}` });
    expect(lookup.json).toMatchObject({
      exists: true,
      systemUser: { type: 'standard', partyOrgNo: standardOrg, externalRef: standardOrg },
    });
    expect(detail?.['systemuser_id']).toContain(lookup.json.systemUser.id);

    const byRef = await broker.call({
      method: 'GET',
      path: `/v1/systemuser-requests?org=${standardOrg}`,
    });
    expect(byRef.json).toMatchObject({ id, status: 'Accepted' });
  });

  it('a new request once the system user exists is 409 conflict (AUTH-00004)', async () => {
    const again = await createRequest({
      org: standardOrg,
      type: 'standard',
      accessPackages: [onboarding.standardPackage],
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('conflict');
    expect(again.json.error_description).toContain(
      `a system user already exists for org ${standardOrg}`,
    );
    expect(again.json.altinn_error).toMatchObject({ error: 'AUTH-00004' });
  });

  it('agent: create → approve with client delegation on the page → Accepted → the token for the owner works', async () => {
    const created = await createRequest({
      org: agentOrg,
      type: 'agent',
      accessPackages: [onboarding.agentPackage],
      externalRef: 'klienter',
    });
    expect(created.status).toBe(201);
    const { id, confirmUrl } = created.json as { id: string; confirmUrl: string };
    expect(confirmUrl).toMatch(/\/systemuser\/agentrequest\?id=/);

    const { html, answer } = await decide(confirmUrl, 'accept', [
      customers.standard.orgNo,
      customers.agent.orgNo,
    ]);
    expect(html).toContain('name="clients"');
    expect(answer.status).toBe(200);

    const status = await readRequest(id);
    expect(status.json).toMatchObject({
      id,
      type: 'agent',
      status: 'Accepted',
      externalRef: 'klienter',
    });
    const typed = await broker.call({
      method: 'GET',
      path: `/v1/systemuser-requests/${id}?type=agent`,
    });
    expect(typed.json).toMatchObject({ id, type: 'agent' });

    // The grant names the owner (the facilitator) and repeats the externalRef, never a client.
    const response = await token({ scope: SCOPE, org: agentOrg, externalRef: 'klienter' });
    expect(response.status).toBe(200);

    const lookup = await broker.call({
      method: 'GET',
      path: `/v1/systemusers?org=${agentOrg}&externalRef=klienter`,
    });
    expect(lookup.json).toMatchObject({
      exists: true,
      systemUser: { type: 'agent', externalRef: 'klienter' },
    });
  });

  it('rejected: status Rejected, a token for that org is 403 MP-303, and asking again returns the rejected request', async () => {
    const created = await createRequest({
      org: rejectedOrg,
      type: 'standard',
      rights: [onboarding.right.resource[0].value],
    });
    expect(created.status).toBe(201);
    const { id, confirmUrl } = created.json as { id: string; confirmUrl: string };

    await decide(confirmUrl, 'reject');

    expect((await readRequest(id)).json).toMatchObject({ id, status: 'Rejected' });
    const response = await token({ scope: SCOPE, org: rejectedOrg });
    expect(response.status).toBe(403);
    expect(response.json.maskinporten_error.error_description).toMatch(/^MP-303/);
    const again = await createRequest({
      org: rejectedOrg,
      type: 'standard',
      rights: [onboarding.right.resource[0].value],
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id, status: 'Rejected' });

    // Retrying after a rejection: delete the old request, then Altinn takes a new one.
    const deleted = await broker.call({ method: 'DELETE', path: `/v1/systemuser-requests/${id}` });
    expect(deleted.status).toBe(204);
    expect((await readRequest(id)).status).toBe(404);
    const renewed = await createRequest({
      org: rejectedOrg,
      type: 'standard',
      rights: [onboarding.right.resource[0].value],
    });
    expect(renewed.status).toBe(201);
    expect(renewed.json.id).not.toBe(id);
    expect(renewed.json.status).toBe('New');
  });

  it("passes Altinn's refusals on: an unlisted redirectUrl is 400 with altinn_error", async () => {
    const refused = await createRequest({
      org: redirectOrg,
      type: 'standard',
      accessPackages: [onboarding.standardPackage],
      redirectUrl: 'https://elsewhere.example/done',
    });
    expect(refused.status).toBe(400);
    expect(refused.json.altinn_error).toMatchObject({ status: 400, error: 'AUTH-00021' });

    const allowed = await createRequest({
      org: redirectOrg,
      type: 'standard',
      accessPackages: [onboarding.standardPackage],
      redirectUrl: onboarding.redirectUrl,
    });
    expect(allowed.status).toBe(201);
    expect(allowed.json.redirectUrl).toBe(onboarding.redirectUrl);
    const { answer } = await decide(allowed.json.confirmUrl, 'accept');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(onboarding.redirectUrl);
  });

  it('an unknown request id is 404, the same answer as for an id that is not the broker’s', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const missing = await readRequest(id);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: 'not_found',
      error_description: `no system-user request ${id} for this broker's system`,
    });
  });

  it('exchange: altinn returns an Altinn token for the org, cached: the second call is a cache hit', async () => {
    const first = await token({ scope: SCOPE, org: customers.standard.orgNo, exchange: 'altinn' });
    expect(first.status).toBe(200);
    expect(first.headers['broker-token-source']).toBe('altinn');
    expect(first.json.token_type).toBe('Bearer');
    const claims = decodeJwt(first.json.access_token);
    expect(claims['urn:altinn:orgNumber']).toBe(vendor.orgNo);
    expect(claims['urn:altinn:authenticatemethod']).toBe('maskinporten');
    expect(claims['authorization_details']).toMatchObject([
      { systemuser_org: { ID: `0192:${customers.standard.orgNo}` } },
    ]);
    expect(
      Math.abs(first.json.expires_in - ((claims.exp as number) - Math.floor(Date.now() / 1000))),
    ).toBeLessThanOrEqual(2);
    expect(first.json.expires_in).toBeGreaterThan(120);

    const second = await token({ scope: SCOPE, org: customers.standard.orgNo, exchange: 'altinn' });
    expect(second.status).toBe(200);
    expect(second.headers['broker-token-source']).toBe('memory');
    expect(second.json.access_token).toBe(first.json.access_token);
    expect(broker.metrics.get('AltinnExchanges')).toBe(1);

    // The Maskinporten token behind it is cached too, and is not the Altinn token.
    const plain = await token({ scope: SCOPE, org: customers.standard.orgNo });
    expect(plain.headers['broker-token-source']).toBe('memory');
    expect(plain.json.access_token).not.toBe(first.json.access_token);
  });

  it('never logs a token', () => {
    const logged = broker.logger.text();
    expect(logged).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
  });
});

describe('system-user endpoints and the caller policy (Lambda, IAM caller)', () => {
  let broker: BrokerTransport;

  beforeAll(async () => {
    broker = await startLambdaTransport({
      policy: {
        rules: [
          { name: 'tokens only', callers: [FIXTURE_ROLE_ARN], scopes: ['*'], orgs: '*' },
          {
            name: 'onboarding one org',
            callers: [FIXTURE_ROLE_ARN],
            scopes: ['none'],
            orgs: [customers.agent.orgNo],
            systemUserRequests: true,
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('refuses onboarding for an org the rules do not give, before Altinn is called', async () => {
    const denied = await broker.call({
      path: '/v1/systemuser-requests',
      body: {
        org: customers.standard.orgNo,
        type: 'standard',
        accessPackages: [onboarding.standardPackage],
      },
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error_description).toContain(
      `may not manage system-user requests for org ${customers.standard.orgNo}`,
    );
    expect(
      (
        await broker.call({
          method: 'GET',
          path: `/v1/systemusers?org=${customers.standard.orgNo}`,
        })
      ).status,
    ).toBe(403);
    expect(broker.sandbox.altinnApi.stats.calls).toEqual({});
  });

  it('allows it for the org a rule with systemUserRequests names', async () => {
    const allowed = await broker.call({
      method: 'GET',
      path: `/v1/systemusers?org=${customers.agent.orgNo}`,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.json).toMatchObject({ exists: true, systemUser: { type: 'agent' } });
  });
});
