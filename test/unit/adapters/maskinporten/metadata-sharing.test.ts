import { describe, expect, it } from 'vitest';
import { MaskinportenHttpClient } from '../../../../shared/adapters/maskinporten/maskinporten-client.js';
import { UpstreamError } from '../../../../shared/ports/authorization-server.js';
import { systemClock } from '../../../../shared/ports/clock.js';
import { Deadline } from '../../../../shared/ports/deadline.js';

const ISSUER = 'https://test.maskinporten.no/';

/** Answers the metadata after `delayMs`, unless the request's own signal aborts first. */
function slowMetadata(delayMs: number) {
  let calls = 0;
  const fetch = ((_url: string, init?: RequestInit) => {
    calls++;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          resolve(
            new Response(JSON.stringify({ issuer: ISSUER, token_endpoint: `${ISSUER}token` }), {
              headers: { 'content-type': 'application/json' },
            }),
          ),
        delayMs,
      );
      init?.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(init.signal?.reason);
      });
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls: () => calls };
}

describe('metadata refresh shared by concurrent callers', () => {
  it('is not cancelled for the others when the first caller gives up', async () => {
    const upstream = slowMetadata(150);
    const client = new MaskinportenHttpClient({
      issuer: ISSUER,
      clock: systemClock,
      fetch: upstream.fetch,
    });

    const impatient = client.metadata(Deadline.after(20));
    const patient = client.metadata(Deadline.after(1_000));

    await expect(impatient).rejects.toBeInstanceOf(UpstreamError);
    await expect(patient).resolves.toEqual({ issuer: ISSUER, token_endpoint: `${ISSUER}token` });
    expect(upstream.calls()).toBe(1);
  });

  it('still times out by itself when metadata never comes', async () => {
    const upstream = slowMetadata(10_000);
    const client = new MaskinportenHttpClient({
      issuer: ISSUER,
      clock: systemClock,
      fetch: upstream.fetch,
      metadataTimeoutMs: 50,
    });

    await expect(client.metadata(Deadline.after(10_000))).rejects.toMatchObject({
      failure: { kind: 'timeout' },
    });
  });
});
