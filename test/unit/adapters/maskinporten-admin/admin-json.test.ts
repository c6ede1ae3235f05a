import { describe, expect, it } from 'vitest';
import {
  readApiError,
  readClient,
  readKeySet,
} from '../../../../shared/adapters/maskinporten-admin/admin-json.js';

// Shapes from ../shared/reference/maskinporten-admin-api.md: §3 (GET body `{"keys":[…],
// "created", "last_updated"}`, keys with kty/kid/use/alg/n/e, optional x5c, `exp` in epoch
// seconds, and in the Altinn-only spec per-key `created`/`last_updated`), §6 (ApiErrorResponse),
// §7 (`access_token_lifetime` on the client object).

const n = 'wl1Zja9X9JM3NEWQcd_F7GL2fu_p-O8CRzwXsIlVBrOgB5PyJI';
const key = (kid: string, extra: Record<string, unknown> = {}) => ({
  use: 'sig',
  kty: 'RSA',
  kid,
  alg: 'RS256',
  n,
  e: 'AQAB',
  ...extra,
});

describe('readKeySet', () => {
  it('reads the set-level shape (digdirator): registration time from last_updated', () => {
    const set = readKeySet({
      keys: [key('some-keyid'), key('some-new-keyid')],
      created: '2025-01-10T08:00:00.000+01:00',
      last_updated: '2025-03-01T12:30:00.000Z',
    });

    expect(set).toEqual({
      keys: [
        { jwk: key('some-keyid'), registeredAt: Date.parse('2025-03-01T12:30:00.000Z') },
        { jwk: key('some-new-keyid'), registeredAt: Date.parse('2025-03-01T12:30:00.000Z') },
      ],
      created: Date.parse('2025-01-10T07:00:00.000Z'),
      lastUpdated: Date.parse('2025-03-01T12:30:00.000Z'),
    });
  });

  it('reads per-key exp (epoch seconds) and created (the Altinn-only spec JsonWebKey)', () => {
    const set = readKeySet({
      keys: [
        key('broker-2026', {
          exp: 1_800_000_000,
          created: '2026-01-15T12:00:00Z',
          last_updated: '2026-02-01T00:00:00Z',
          x5c: ['MIIB'],
        }),
      ],
      last_updated: '2026-02-01T00:00:00Z',
    });

    expect(set?.keys[0]).toEqual({
      jwk: { ...key('broker-2026'), x5c: ['MIIB'] },
      expiresAt: 1_800_000_000_000,
      registeredAt: Date.parse('2026-01-15T12:00:00Z'),
    });
  });

  it('reads an empty set as no keys (inferred: 200 with an empty list)', () => {
    expect(readKeySet({ keys: [] })).toEqual({ keys: [] });
  });

  it.each([
    ['no keys array', {}],
    ["FD's invalid example body", '{ [ ] }'],
    ['a key without kid', { keys: [key('a'), { ...key('b'), kid: undefined }] }],
    ['a key without n', { keys: [{ ...key('a'), n: undefined }] }],
    ['a key that is not RSA', { keys: [{ ...key('a'), kty: 'EC' }] }],
    ['a bare array', [key('a')]],
  ])('refuses %s, so no key is silently dropped from the next write', (_label, value) => {
    expect(readKeySet(value)).toBeUndefined();
  });
});

describe('readClient', () => {
  it('reads client_id, client_orgno, scopes and access_token_lifetime', () => {
    expect(
      readClient({
        client_id: 'abc',
        client_orgno: '310547891',
        scopes: ['idporten:dcr.write', 7],
        access_token_lifetime: 120,
        integration_type: 'maskinporten',
      }),
    ).toEqual({
      clientId: 'abc',
      orgNo: '310547891',
      scopes: ['idporten:dcr.write'],
      accessTokenLifetimeSeconds: 120,
    });
  });

  it('leaves out a lifetime of 0 (digdirator test data) or a non-integer', () => {
    expect(readClient({ client_id: 'abc', access_token_lifetime: 0 })).toEqual({ clientId: 'abc' });
    expect(readClient({ client_id: 'abc', access_token_lifetime: '120' })).toEqual({
      clientId: 'abc',
    });
    expect(readClient({ access_token_lifetime: 120 })).toBeUndefined();
  });
});

describe('readApiError', () => {
  it('reads error, error_description, correlation_id and the field errors', () => {
    const body = JSON.stringify({
      status: 400,
      timestamp: '2026-01-15T12:00:00Z',
      correlation_id: '7c9e…',
      error: 'invalid_request',
      error_description: 'Ugyldig JWKS',
      errors: [
        {
          errorMessage: 'at most 5 keys',
          isFieldError: true,
          objectName: 'jwks',
          fieldIdentifier: 'keys',
        },
        { isFieldError: false },
      ],
    });

    expect(readApiError(body)).toEqual({
      error: 'invalid_request',
      errorDescription: 'Ugyldig JWKS',
      correlationId: '7c9e…',
      fieldErrors: [{ field: 'keys', message: 'at most 5 keys' }],
    });
  });

  it('reads an HTML error page or junk as no detail, and cuts long texts', () => {
    expect(readApiError('<html><body>502 Bad Gateway</body></html>')).toEqual({});
    expect(readApiError('null')).toEqual({});
    const long = readApiError(JSON.stringify({ error_description: 'x'.repeat(5_000) }));
    expect(long.errorDescription).toHaveLength(500);
  });
});
