import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox-fixture.js';
import { postToken } from '../../support/sandbox-grants.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  t.sandbox.maskinporten.faults.clear();
  t.sandbox.maskinporten.stats.reset();
});

const tokenEndpoint = () => t.sandbox.maskinporten.tokenEndpoint;
const metadataUrl = () => t.sandbox.maskinporten.metadataUrl;

describe('fault controls', () => {
  it('answers with the given status, body, content type and headers, once', async () => {
    t.sandbox.maskinporten.faults.enqueue({
      endpoint: 'token',
      status: 503,
      body: '<html>busy</html>',
      contentType: 'text/html',
      headers: { 'retry-after': '2' },
    });

    const faulted = await fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ assertion: await t.grant() }),
    });
    const next = await t.requestToken();

    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('content-type')).toBe('text/html');
    expect(faulted.headers.get('retry-after')).toBe('2');
    expect(await faulted.text()).toBe('<html>busy</html>');
    expect(next.status).toBe(200);
    expect(t.sandbox.maskinporten.stats).toMatchObject({
      tokenRequests: 2,
      tokensIssued: 1,
      faultsApplied: 1,
    });
  });

  it('runs out after `times` hits', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 500, times: 2 });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.requestToken()).status);

    expect(statuses).toEqual([500, 500, 200]);
    expect(t.sandbox.maskinporten.faults.pending()).toEqual([]);
  });

  it('takes faults first in, first out', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 502 });
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 504 });

    const first = await t.requestToken();
    const second = await t.requestToken();

    expect([first.status, second.status]).toEqual([502, 504]);
  });

  it('delays the real answer by delayMs', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', delayMs: 300 });
    const grant = await t.grant();

    const started = performance.now();
    const answer = await postToken(tokenEndpoint(), { assertion: grant });
    const elapsed = performance.now() - started;

    expect(answer.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(290);
  });

  it('drops the connection without answering', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', drop: true });

    await expect(t.requestToken()).rejects.toThrow(/fetch failed/);
    expect((await t.requestToken()).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', hang: true });
    const grant = await t.grant();

    const started = performance.now();
    const hung = postToken(tokenEndpoint(), { assertion: grant }, { timeoutMs: 250 });

    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect((await t.requestToken()).status).toBe(200);
  });

  it('keeps token faults away from the metadata endpoint and vice versa', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'metadata', status: 500 });

    const token = await t.requestToken();
    const metadata = await fetch(metadataUrl());
    const metadataAgain = await fetch(metadataUrl());

    expect(token.status).toBe(200);
    expect(metadata.status).toBe(500);
    expect(metadataAgain.status).toBe(200);
    expect(t.sandbox.maskinporten.stats.metadataRequests).toBe(2);
  });

  it('clear() drops queued faults', async () => {
    t.sandbox.maskinporten.faults.enqueue({ endpoint: 'token', status: 500, times: 5 });

    t.sandbox.maskinporten.faults.clear();

    expect((await t.requestToken()).status).toBe(200);
  });

  it.each([
    ['an unknown endpoint', { endpoint: 'approval' }],
    ['drop with hang', { endpoint: 'token', drop: true, hang: true }],
    ['a header value with CR LF', { endpoint: 'token', headers: { 'x-a': 'b\r\nx-b: c' } }],
    ['an unknown member', { endpoint: 'token', status: 500, statusCode: 500 }],
  ])('refuses %s', (_label, fault) => {
    expect(() => t.sandbox.maskinporten.faults.enqueue(fault as never)).toThrow();
    expect(t.sandbox.maskinporten.faults.pending()).toEqual([]);
  });
});

describe('fault controls over HTTP', () => {
  const controlUrl = () => `${t.sandbox.url}/sandbox/_control/faults`;

  it('queues a fault with POST and clears the queue with DELETE', async () => {
    const posted = await fetch(controlUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'token', status: 429, times: 3 }),
    });
    const faulted = await t.requestToken();
    const deleted = await fetch(controlUrl(), { method: 'DELETE' });
    const after = await t.requestToken();

    expect(posted.status).toBe(201);
    expect(faulted.status).toBe(429);
    expect(deleted.status).toBe(204);
    expect(after.status).toBe(200);
  });

  it.each([
    ['invalid JSON', '{'],
    ['an invalid fault', JSON.stringify({ endpoint: 'token', status: 99 })],
  ])('answers 400 to %s', async (_label, body) => {
    const response = await fetch(controlUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(t.sandbox.maskinporten.faults.pending()).toEqual([]);
  });

  it('reports counters, not grants, at _control/stats', async () => {
    await t.requestToken();

    const response = await fetch(`${t.sandbox.url}/sandbox/_control/stats`);
    const body = (await response.json()) as Record<string, unknown>;

    expect(body).toMatchObject({ tokenRequests: 1, tokensIssued: 1 });
    expect(body).not.toHaveProperty('grants');
  });
});
