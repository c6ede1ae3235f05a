import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DIGDIR_ADMIN_BASE_URLS,
  MaskinportenAdminClient,
} from '../../../../shared/adapters/maskinporten-admin/admin-client.js';
import { planKeySetSync } from '../../../../shared/domain/key-set-plan.js';
import type { RsaPublicJwk } from '../../../../shared/domain/public-jwk.js';
import { Deadline } from '../../../../shared/ports/deadline.js';
import {
  type AdminTokenProvider,
  MASKINPORTEN_ADMIN_SCOPE,
  MaskinportenAdminError,
} from '../../../../shared/ports/maskinporten-admin.js';
import { DEMO } from '../../../../shared/sandbox/demo.js';
import { rsaTestKey } from '../../../support/rsa-jwks.js';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox-fixture.js';
import { adminToken } from '../../../support/self-service.js';

// Against the sandbox's simulation of Digdir's self-service API over real HTTP, with real RSA keys
// and real Maskinporten tokens. Rules from ../shared/reference/maskinporten-admin-api.md §2 (bearer
// token with idporten:dcr.write), §3 (GET/POST .../jwks, whole set, 201 with the stored set), §4
// (5 keys, public parts only, exp), §6 (statuses and ApiErrorResponse), §7 (access_token_lifetime).

let t: TestSandbox;
let active: RsaPublicJwk;
const next = rsaTestKey('broker-next-3');
const spare = Array.from({ length: 5 }, (_, i) => rsaTestKey(`spare-${i}`));
const asked: (readonly string[])[] = [];
const tokens: string[] = [];

const sandboxTokens: AdminTokenProvider = async (scopes) => {
  asked.push(scopes);
  const token = await adminToken(t, scopes.join(' '));
  tokens.push(token);
  return token;
};

function client(options: { tokenProvider?: AdminTokenProvider; clientId?: string } = {}) {
  return new MaskinportenAdminClient({
    baseUrl: t.sandbox.selfServiceUrl,
    clientId: options.clientId ?? DEMO.clientId,
    tokenProvider: options.tokenProvider ?? sandboxTokens,
  });
}

const deadline = () => Deadline.after(5_000);

async function failure(promise: Promise<unknown>): Promise<MaskinportenAdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MaskinportenAdminError);
  const admin = error as MaskinportenAdminError;
  const everything = `${admin.message} ${JSON.stringify(admin)} ${String(admin.stack)}`;
  for (const token of tokens) expect(everything).not.toContain(token);
  return admin;
}

beforeAll(async () => {
  t = await startTestSandbox();
  active = { ...(t.key.publicJwk as RsaPublicJwk), alg: 'RS256', use: 'sig' };
  t.sandbox.maskinporten.registerClient({
    clientId: 'someone-else',
    orgnr: '910753614',
    scopes: ['idporten:dcr.write'],
    keys: [rsaTestKey('someone-elses-key').publicJwk],
  });
});
afterAll(() => t.sandbox.close());
beforeEach(() => {
  t.sandbox.maskinporten.selfService.setPropagationDelay(0);
  t.sandbox.maskinporten.selfService.replace(DEMO.clientId, [active]);
  t.sandbox.faults.clear();
  asked.length = 0;
});

describe('reading and writing the key set', () => {
  it('GETs the registered set, with exp one year after posting and the registration time', async () => {
    const set = await client().getKeys(deadline());

    const year = new Date(t.clock());
    year.setUTCFullYear(year.getUTCFullYear() + 1);
    expect(set.keys).toEqual([
      { jwk: active, expiresAt: Math.floor(year.getTime() / 1000) * 1000, registeredAt: t.clock() },
    ]);
    expect(asked).toEqual([[MASKINPORTEN_ADMIN_SCOPE]]);
  });

  it('POSTs the whole set and returns the stored one, which GET then shows', async () => {
    const stored = await client().replaceKeys([active, next.jwk], deadline());

    expect(stored.keys.map((key) => key.jwk.kid)).toEqual([t.key.kid, next.kid]);
    const read = await client().getKeys(deadline());
    expect(read.keys.map((key) => key.jwk)).toEqual([active, next.jwk]);
  });

  it('sends only public members, even when handed a private JWK', async () => {
    const stored = await client().replaceKeys(
      [active, next.privateJwk as unknown as RsaPublicJwk],
      deadline(),
    );

    expect(stored.keys[1]?.jwk).toEqual(next.jwk);
  });

  it('reads access_token_lifetime from GET /clients/{id}', async () => {
    const info = await client().getClient(deadline());

    expect(info).toMatchObject({
      clientId: DEMO.clientId,
      orgNo: DEMO.vendor.orgNo,
      accessTokenLifetimeSeconds: 120,
    });
    expect(info.scopes).toContain('idporten:dcr.write');
  });

  it('plans, syncs, and plans again to nothing; tokens signed with the new key then flow', async () => {
    const admin = client();
    const first = planKeySetSync({
      registered: (await admin.getKeys(deadline())).keys,
      active,
      next: next.jwk,
    });
    expect(first).toMatchObject({ action: 'write', added: [next.kid] });
    if (first.action === 'write') await admin.replaceKeys(first.keys, deadline());

    const second = planKeySetSync({
      registered: (await admin.getKeys(deadline())).keys,
      active,
      next: next.jwk,
    });

    expect(second.action).toBe('none');
    expect((await t.requestToken({ key: next })).status).toBe(200);
    expect((await t.requestToken()).status).toBe(200);
  });
});

describe('errors by status (§6), never carrying the token', () => {
  it('400: six keys, with Digdir’s correlation id and field errors; the set is unchanged', async () => {
    const six = [active, ...spare.map((key) => key.jwk)];

    const error = await failure(client().replaceKeys(six, deadline()));

    expect(error).toMatchObject({ kind: 'bad_request', status: 400, error: 'invalid_request' });
    expect(error.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.fieldErrors).toEqual([{ field: 'keys', message: 'at most 5 keys' }]);
    expect(error.message).toContain('HTTP 400 invalid_request: A client can have at most 5 keys');
    expect((await client().getKeys(deadline())).keys.map((key) => key.jwk.kid)).toEqual([
      t.key.kid,
    ]);
  });

  it('401: a token the API does not accept', async () => {
    const error = await failure(
      client({ tokenProvider: async () => 'not-a-token' }).getKeys(deadline()),
    );

    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
  });

  it('403: a token without the admin scope, and another organisation’s client', async () => {
    const withoutScope: AdminTokenProvider = async () => {
      const token = await adminToken(t, DEMO.scopes[0]);
      tokens.push(token);
      return token;
    };
    expect(
      await failure(client({ tokenProvider: withoutScope }).getKeys(deadline())),
    ).toMatchObject({
      kind: 'forbidden',
      status: 403,
    });
    expect(await failure(client({ clientId: 'someone-else' }).getKeys(deadline()))).toMatchObject({
      kind: 'forbidden',
    });
  });

  it('404: an unknown client; 409: a kid another client holds', async () => {
    expect(await failure(client({ clientId: 'nobody' }).getClient(deadline()))).toMatchObject({
      kind: 'not_found',
      status: 404,
    });
    const taken = { ...next.jwk, kid: 'someone-elses-key' };
    expect(await failure(client().replaceKeys([active, taken], deadline()))).toMatchObject({
      kind: 'conflict',
      status: 409,
    });
  });

  it('5xx: unavailable, reading an HTML error page as no detail', async () => {
    t.sandbox.faults.enqueue({
      endpoint: 'selvbetjening',
      status: 502,
      body: '<html>Bad Gateway</html>',
      contentType: 'text/html',
    });

    const error = await failure(client().getKeys(deadline()));

    expect(error).toMatchObject({ kind: 'unavailable', status: 502, fieldErrors: [] });
    expect(error.error).toBeUndefined();
  });

  it('timeout: gives up at the caller’s deadline when the API hangs', async () => {
    const token = await adminToken(t);
    tokens.push(token);
    t.sandbox.faults.enqueue({ endpoint: 'selvbetjening', hang: true });

    const error = await failure(
      client({ tokenProvider: async () => token }).getKeys(Deadline.after(500)),
    );

    expect(error.kind).toBe('timeout');
  });

  it('network: a dropped connection', async () => {
    t.sandbox.faults.enqueue({ endpoint: 'selvbetjening', drop: true });

    expect((await failure(client().getKeys(deadline()))).kind).toBe('network');
  });

  it('malformed: a 200 that is not a key set', async () => {
    t.sandbox.faults.enqueue({ endpoint: 'selvbetjening', status: 200, body: '{"keys": "none"}' });

    const error = await failure(client().getKeys(deadline()));

    expect(error).toMatchObject({ kind: 'malformed', status: 200 });
  });
});

describe('transport rules', () => {
  let redirector: Server;
  let target: Server;
  let targetHits = 0;
  let redirectorUrl = '';
  let oversized: Server;
  let oversizedUrl = '';

  beforeAll(async () => {
    target = createServer((req, res) => {
      targetHits += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    const targetUrl = await listen(target);
    redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${targetUrl}${req.url}` }).end();
    });
    redirectorUrl = await listen(redirector);
    oversized = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"keys":[],"pad":"${'x'.repeat(300 * 1024)}"}`);
    });
    oversizedUrl = await listen(oversized);
  });
  afterAll(async () => {
    await Promise.all([redirector, target, oversized].map(close));
  });
  afterEach(() => {
    targetHits = 0;
  });

  tokens.push('token-that-must-not-travel');
  const at = (baseUrl: string) =>
    new MaskinportenAdminClient({
      baseUrl,
      clientId: 'c',
      tokenProvider: async () => 'token-that-must-not-travel',
    });

  it('never follows a redirect, so the token never reaches another server', async () => {
    const error = await failure(at(`${redirectorUrl}/api/v1/`).getKeys(deadline()));

    expect(error).toMatchObject({ kind: 'network' });
    expect(error.message).toContain('redirect');
    expect(targetHits).toBe(0);
  });

  it('refuses to read more than 256 KiB', async () => {
    const error = await failure(at(oversizedUrl).getKeys(deadline()));

    expect(error.kind).toBe('malformed');
  });

  it('builds {base}/clients/{id}/jwks with or without a trailing slash', async () => {
    const seen: string[] = [];
    const recording = new MaskinportenAdminClient({
      baseUrl: 'https://api.test.samarbeid.digdir.no/api/v1',
      clientId: 'a b/c',
      tokenProvider: async () => 'tok',
      fetch: (async (url: string) => {
        seen.push(url);
        return new Response('{"keys":[]}', { status: 200 });
      }) as typeof fetch,
    });

    await recording.getKeys(deadline());
    await recording.getClient(deadline()).catch(() => undefined);

    expect(seen).toEqual([
      'https://api.test.samarbeid.digdir.no/api/v1/clients/a%20b%2Fc/jwks',
      'https://api.test.samarbeid.digdir.no/api/v1/clients/a%20b%2Fc',
    ]);
  });

  it('refuses plain http off loopback, a query, and an empty client id', () => {
    const make = (baseUrl: string, clientId = 'c') =>
      new MaskinportenAdminClient({ baseUrl, clientId, tokenProvider: async () => 't' });

    expect(() => make('http://api.test.samarbeid.digdir.no/')).toThrow(/https/);
    expect(() => make('https://api.test.samarbeid.digdir.no/?x=1')).toThrow(/query/);
    expect(() => make(DIGDIR_ADMIN_BASE_URLS.test, ' ')).toThrow(/client id/);
    expect(() => make(DIGDIR_ADMIN_BASE_URLS.prod)).not.toThrow();
  });
});

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
