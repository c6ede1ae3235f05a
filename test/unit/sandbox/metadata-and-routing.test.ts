import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSandbox, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox-fixture.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.sandbox.close());

describe('metadata and JWKS', () => {
  it('serves RFC 8414 metadata shaped like the TEST environment', async () => {
    const response = await fetch(`${t.sandbox.issuer}.well-known/oauth-authorization-server`);

    expect(response.status).toBe(200);
    const issuer = `${t.sandbox.url}/sandbox/maskinporten/`;
    expect(await response.json()).toEqual({
      issuer,
      token_endpoint: `${issuer}token`,
      jwks_uri: `${issuer}jwk`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512'],
      authorization_details_types_supported: ['urn:altinn:systemuser', 'urn:altinn:consent'],
    });
    expect(t.sandbox.issuer).toBe(issuer);
  });

  it('publishes only the public half of its signing key', async () => {
    const response = await fetch(`${t.sandbox.issuer}jwk`);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };

    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
    });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      expect(keys[0]).not.toHaveProperty(member);
  });

  it('answers 405 to POST on the metadata endpoint', async () => {
    const response = await fetch(t.sandbox.maskinporten.metadataUrl, { method: 'POST' });

    expect(response.status).toBe(405);
  });

  it('answers 404 JSON to an unknown path under the base path', async () => {
    const response = await fetch(`${t.sandbox.url}/sandbox/maskinporten/tokens`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('exposes the Altinn platform URL under the base path', () => {
    expect(t.sandbox.altinnPlatformUrl).toBe(`${t.sandbox.url}/sandbox/altinn`);
  });
});

describe('mounting in another server', () => {
  it('returns false without answering for paths it does not own', async () => {
    const sandboxRef: { current?: Awaited<ReturnType<typeof createSandbox>> } = {};
    const server = createServer((req, res) => {
      if (sandboxRef.current?.handle(req, res)) return;
      res.writeHead(418).end('host app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      sandboxRef.current = await createSandbox({ origin, basePath: '/mp-sim' });

      const foreign = await fetch(`${origin}/sandboxes/x`);
      const prefixLookalike = await fetch(`${origin}/mp-simulator/maskinporten/jwk`);
      const owned = await fetch(`${origin}/mp-sim/maskinporten/jwk`);

      expect(foreign.status).toBe(418);
      expect(prefixLookalike.status).toBe(418);
      expect(owned.status).toBe(200);
      expect(sandboxRef.current.issuer).toBe(`${origin}/mp-sim/maskinporten/`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('close() ends hung connections so shutdown does not wait for clients', async () => {
    const sandbox = await startSandboxServer();
    sandbox.maskinporten.faults.enqueue({ endpoint: 'metadata', hang: true });
    const hung = fetch(sandbox.maskinporten.metadataUrl, { signal: AbortSignal.timeout(5000) });
    // Closed once the request is hung on the server, not after a guessed 50 ms: earlier, close()
    // would only refuse a connection not yet made, and the test would pass without a hung one.
    await vi.waitFor(() => expect(sandbox.maskinporten.stats.faultsApplied).toBe(1));

    const started = performance.now();
    await sandbox.close();

    expect(performance.now() - started).toBeLessThan(1000);
    await expect(hung).rejects.toThrow();
  });
});
