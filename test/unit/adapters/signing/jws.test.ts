import { base64url } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createCompactSigner } from '../../../../shared/adapters/signing/jws.js';
import { Deadline } from '../../../../shared/ports/deadline.js';

const deadline = Deadline.after(10_000);

const decodeJson = (part: string | undefined) =>
  JSON.parse(new TextDecoder().decode(base64url.decode(part ?? ''))) as unknown;

describe('createCompactSigner', () => {
  it('assembles base64url(header).base64url(payload).base64url(signature)', async () => {
    // Prepare
    const signature = vi.fn(async () => new Uint8Array([0xfb, 0xff, 0x00, 0x3e]));
    const sign = createCompactSigner('kid-1', signature);
    const claims = { iss: 'client', scope: 'a b', consumer_org: '910753614', note: 'ø/æ?' };

    // Act
    const jws = await sign(claims, deadline);

    // Assess
    const [header, payload, sig, ...rest] = jws.split('.');
    expect(rest).toHaveLength(0);
    expect(decodeJson(header)).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(decodeJson(payload)).toStrictEqual(claims);
    expect(sig).toBe('-_8APg');
    expect(jws).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('hands the exact signing input and the deadline to the signature function, once', async () => {
    const signature = vi.fn(
      async (_input: Uint8Array | string, _deadline: Deadline) => new Uint8Array([1]),
    );
    const sign = createCompactSigner('kid-1', signature);

    const jws = await sign({ a: 1 }, deadline);

    expect(signature).toHaveBeenCalledTimes(1);
    expect(signature).toHaveBeenCalledWith(jws.slice(0, jws.lastIndexOf('.')), deadline);
  });

  it('propagates a failing signature function', async () => {
    const sign = createCompactSigner('kid-1', async () => {
      throw new Error('KMS Sign failed: ThrottlingException');
    });

    await expect(sign({ a: 1 }, deadline)).rejects.toThrow('KMS Sign failed: ThrottlingException');
  });
});
