import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import {
  agentRequest,
  altinn,
  standardRequest,
  submitDecision,
  validOrgNos,
  vendorToken,
} from '../../../support/altinn-vendor.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { systemUserDetails } from '../../../support/sandbox-grants.js';

let t: TestSandbox;
let token: string;
const orgs = validOrgNos(30, 31200000);
let next = 0;
const freshOrg = () => orgs[next++] as string;

beforeAll(async () => {
  t = await startTestSandbox();
  token = await vendorToken(t);
});
afterAll(() => t.sandbox.close());
beforeEach(() => t.sandbox.altinnApi.stats.reset());

async function create(type: 'standard' | 'agent', body: Record<string, unknown>) {
  const path = type === 'agent' ? 'systemuser/request/vendor/agent' : 'systemuser/request/vendor';
  const answer = await altinn(t, 'POST', path, { token, body });
  expect(answer.status).toBe(201);
  return answer.json as { id: string; confirmUrl: string; partyOrgNo: string; externalRef: string };
}

const status = async (id: string, type: 'standard' | 'agent' = 'standard') =>
  (
    await altinn(t, 'GET', `systemuser/request/vendor/${type === 'agent' ? 'agent/' : ''}${id}`, {
      token,
    })
  ).json.status;

describe('GET confirmUrl', () => {
  it('shows the request, escaped, with Approve and Reject posting to the same URL', async () => {
    const request = await create(
      'standard',
      standardRequest(freshOrg(), {
        externalRef: '<script>alert("x")</script>&',
        integrationTitle: 'Lønn & <b>regnskap</b>',
      }),
    );

    const response = await fetch(request.confirmUrl);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain(
      `Demo-megler ønsker å opprette en systembruker for ${request.partyOrgNo}`,
    );
    expect(html).toContain(
      `Demo-megler wants to create a system user for organisation ${request.partyOrgNo}`,
    );
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(html).toContain('Lønn &amp; &lt;b&gt;regnskap&lt;/b&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>regnskap');
    expect(html).toContain('<code>demo-regnskap</code>');
    expect(html).toContain(DEMO.vendor.orgNo);
    const action = new URL(request.confirmUrl);
    expect(html).toContain(
      `<form method="post" action="${action.pathname}${action.search.replace('&', '&amp;')}">`,
    );
    expect(html).toContain('name="decision" value="accept"');
    expect(html).toContain('name="decision" value="reject"');
    expect(html).not.toContain('name="clients"');
    expect(t.sandbox.altinnApi.stats.calls).toMatchObject({ 'GET approval': 1 });
  });

  it('shows the clients field on an agent request', async () => {
    const request = await create('agent', agentRequest(freshOrg()));

    const html = await (await fetch(request.confirmUrl)).text();

    expect(html).toContain('for klienter hos');
    expect(html).toContain('<label for="clients">');
    expect(html).toContain('aria-describedby="clients-hint"');
    expect(html).toContain(`<code>${DEMO.onboarding.agentPackage}</code>`);
  });

  it.each([
    [
      'an unknown id',
      (_id: string, base: string) => `${base}?id=00000000-0000-4000-8000-000000000000`,
    ],
    ['a malformed id', (_id: string, base: string) => `${base}?id=%3Cscript%3E`],
    [
      'the agent page for a standard request',
      (id: string, base: string) => `${base.replace('/request', '/agentrequest')}?id=${id}`,
    ],
  ])('answers 404 to %s', async (_label, url) => {
    const request = await create('standard', standardRequest(freshOrg()));
    const base = request.confirmUrl.split('?')[0] as string;

    const response = await fetch(url(request.id, base));
    const html = await response.text();

    expect(response.status).toBe(404);
    expect(html).toContain('Fant ikke forespørselen');
    expect(html).not.toContain('<script>');
  });
});

describe('POST confirmUrl', () => {
  it('approve: 303 to the redirectUrl unchanged, Accepted, and the token grant works', async () => {
    const org = freshOrg();
    const request = await create('standard', standardRequest(org, { externalRef: 'kunde-42' }));

    const answer = await submitDecision(request.confirmUrl, { decision: 'accept' });
    const token = await t.requestToken({
      claims: { authorization_details: systemUserDetails(org, 'kunde-42') },
    });

    expect(answer.status).toBe(303);
    expect(answer.location).toBe(DEMO.onboarding.redirectUrl);
    expect(await status(request.id)).toBe('Accepted');
    expect(token.status).toBe(200);
    expect(decodeJwt(token.json['access_token'] as string)['authorization_details']).toEqual([
      expect.objectContaining({ systemuser_id: [request.id], system_id: DEMO.systemId }),
    ]);
    expect(t.sandbox.altinn.getSystemUser(request.id)).toMatchObject({
      reporteeOrgNo: org,
      externalRef: 'kunde-42',
      userType: 'standard',
      rights: [DEMO.onboarding.right],
    });
    expect(t.sandbox.altinnApi.stats.decisions).toEqual({ accepted: 1, rejected: 0 });
  });

  it('reject: Rejected, no system user, and a receipt page when there is no redirectUrl', async () => {
    const org = freshOrg();
    const request = await create('standard', standardRequest(org, { redirectUrl: undefined }));

    const answer = await submitDecision(request.confirmUrl, { decision: 'reject' });
    const grant = await t.requestToken({
      claims: { authorization_details: systemUserDetails(org) },
    });

    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Forespørselen er avvist');
    expect(await status(request.id)).toBe('Rejected');
    expect(t.sandbox.altinn.getSystemUser(request.id)).toBeUndefined();
    expect(grant.json['error_description']).toMatch(/^MP-303/);
  });

  it('answers 409 to a second decision and keeps the first', async () => {
    const request = await create('standard', standardRequest(freshOrg()));
    await submitDecision(request.confirmUrl, { decision: 'reject' });

    const again = await submitDecision(request.confirmUrl, { decision: 'accept' });

    expect(again.status).toBe(409);
    expect(again.html).toContain('allerede behandlet');
    expect(again.html).not.toContain('name="decision"');
    expect(await status(request.id)).toBe('Rejected');
  });

  describe('refuses a form posted from another site (CSRF), before reading it', () => {
    const post = (confirmUrl: string, headers: Record<string, string>) =>
      fetch(confirmUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'decision=accept',
        redirect: 'manual',
      });

    it.each([
      ['Origin of another site', { origin: 'https://evil.example' }],
      ['Origin of another port on the same host', { origin: 'http://127.0.0.1:1' }],
      ['Origin null (a sandboxed frame, a data: URL)', { origin: 'null' }],
      ['an unreadable Origin', { origin: 'not a url' }],
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site same-site (another origin on the site)', { 'sec-fetch-site': 'same-site' }],
    ])('%s: 403, and the request stays New', async (_, headers) => {
      const request = await create('standard', standardRequest(freshOrg()));

      const response = await post(request.confirmUrl, headers);

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('The form was posted from another site');
      expect(await status(request.id)).toBe('New');
      expect(t.sandbox.altinnApi.stats.decisions).toEqual({ accepted: 0, rejected: 0 });
    });

    it('takes a post from the page itself (same Origin, Sec-Fetch-Site same-origin)', async () => {
      const request = await create('standard', standardRequest(freshOrg()));

      const response = await post(request.confirmUrl, {
        origin: new URL(request.confirmUrl).origin,
        'sec-fetch-site': 'same-origin',
      });

      expect(response.status).toBe(303);
      expect(await status(request.id)).toBe('Accepted');
    });
  });

  it('answers 400 to a missing decision and 415 to a JSON body', async () => {
    const request = await create('standard', standardRequest(freshOrg()));

    const missing = await submitDecision(request.confirmUrl, { decision: 'maybe' });
    const json = await fetch(request.confirmUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"decision":"accept"}',
    });

    expect(missing.status).toBe(400);
    expect(json.status).toBe(415);
    expect(await status(request.id)).toBe('New');
  });

  it('agent: delegates the typed clients to the new agent system user', async () => {
    const org = freshOrg();
    const request = await create('agent', agentRequest(org, { redirectUrl: undefined }));

    const answer = await submitDecision(request.confirmUrl, {
      decision: 'accept',
      clients: `${DEMO.customers.standard.orgNo}, ${DEMO.customers.withExternalRef.orgNo}\n${DEMO.customers.standard.orgNo}`,
    });
    const page = await (await fetch(request.confirmUrl)).text();
    const grant = await t.requestToken({
      claims: { authorization_details: systemUserDetails(org) },
    });

    expect(answer.status).toBe(200);
    expect(answer.html).toContain(`<code>${DEMO.customers.standard.orgNo}</code>`);
    expect(await status(request.id, 'agent')).toBe('Accepted');
    expect(t.sandbox.altinn.getSystemUser(request.id)).toMatchObject({
      userType: 'agent',
      accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
      clients: [DEMO.customers.standard.orgNo, DEMO.customers.withExternalRef.orgNo],
    });
    expect(page).toContain('Delegerte klienter');
    expect(page).toContain(`<code>${DEMO.customers.withExternalRef.orgNo}</code>`);
    expect(grant.status).toBe(200);
  });

  it('agent: refuses clients failing MOD11 (or the facilitator itself) and changes nothing', async () => {
    const org = freshOrg();
    const request = await create('agent', agentRequest(org));

    const answer = await submitDecision(request.confirmUrl, {
      decision: 'accept',
      clients: `910753614 123456789 ${org} <i>x</i>`,
    });

    expect(answer.status).toBe(400);
    expect(answer.html).toContain('role="alert"');
    expect(answer.html).toContain(`123456789, ${org}, &lt;i&gt;x&lt;/i&gt;`);
    expect(answer.html).toContain('value="910753614 123456789');
    expect(answer.html).not.toContain('<i>x</i>');
    expect(await status(request.id, 'agent')).toBe('New');
    expect(t.sandbox.altinn.getSystemUser(request.id)).toBeUndefined();
  });

  it('agent: approving without clients creates the agent user with none', async () => {
    const request = await create('agent', agentRequest(freshOrg()));

    const answer = await submitDecision(request.confirmUrl, { decision: 'accept', clients: '  ' });

    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Systemtilgangen er opprettet');
    expect(t.sandbox.altinn.getSystemUser(request.id)?.clients).toEqual([]);
  });
});
