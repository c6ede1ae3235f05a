import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { redactJwts } from '../../../shared/domain/redact.js';

describe('redactJwts', () => {
  it('replaces a signed JWT wherever it stands in a text', async () => {
    const jwt = await new SignJWT({ scope: 'krr:global/kontaktinformasjon.read' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('k'.repeat(32)));

    expect(redactJwts(`Invalid assertion ${jwt}.`)).toBe('Invalid assertion [redacted].');
    expect(redactJwts(`assertion=${jwt}&x=1`)).toBe('assertion=[redacted]&x=1');
  });

  it.each([
    ['an unsigned JWS (empty signature)', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    [
      'a JWE (five parts, empty key)',
      'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXYtaXYtaXYtaXY.Y2lwaGVydGV4dA.dGFnLXRhZw',
    ],
    ['a header starting with whitespace', 'ewogICJhbGciOiAiUlMyNTYiCn0.eyJhIjoxfQ.c2ln'],
  ])('replaces %s', (_, token) => {
    expect(redactJwts(`x ${token} y`)).toBe('x [redacted] y');
  });

  it('keeps JSON valid: the pattern never takes a quote, brace or comma', () => {
    const text =
      '{"error_description":"MP-100 eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjIn0.c2lnbmF0dXJl","a":1}';
    expect(JSON.parse(redactJwts(text))).toEqual({
      error_description: 'MP-100 [redacted]',
      a: 1,
    });
  });

  it.each([
    'MP-303 Systembruker ikke funnet',
    'Consumer 910753614 has not delegated access to the scope krr:global/kontaktinformasjon.read',
    'https://platform.tt02.altinn.no/authentication/api/v1/systemuser',
    'version 1.2.3',
  ])('leaves ordinary upstream text alone: %s', (text) => {
    expect(redactJwts(text)).toBe(text);
  });
});
