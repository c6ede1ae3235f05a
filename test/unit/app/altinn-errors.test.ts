import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProblemDetails } from '../../../shared/adapters/altinn/problem-details.js';
import { altinnToBrokerError, vendorTokenError } from '../../../shared/app/upstream-errors.js';
import { BrokerError } from '../../../shared/domain/errors.js';
import { toErrorResponse } from '../../../shared/http/error-response.js';
import { AltinnError, type AltinnProblem } from '../../../shared/ports/altinn.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';

const http = (status: number, problem: Partial<AltinnProblem> = {}) =>
  new AltinnError('http', `HTTP ${status}`, {
    status,
    problem: { validationErrors: [], ...problem },
  });

const answer = (error: unknown) => {
  const response = toErrorResponse(
    altinnToBrokerError(error, { what: 'creating the request', callerFault: true }),
  );
  return { status: response.status, body: JSON.parse(response.body) };
};

describe('altinnToBrokerError (vendor APIs)', () => {
  it.each([
    [
      '400 AUTH-00000 unknown org',
      http(400, { code: 'AUTH-00000', title: 'Party not found' }),
      400,
      'invalid_request',
    ],
    [
      '400 AUTH-00021 redirect',
      http(400, { code: 'AUTH-00021', detail: 'redirect url not allowed' }),
      400,
      'invalid_request',
    ],
    ['400 AUTH-00004 exists', http(400, { code: 'AUTH-00004' }), 409, 'conflict'],
    ['409', http(409, { title: 'exists' }), 409, 'conflict'],
    ['404 AUTH-00010 unknown request', http(404, { code: 'AUTH-00010' }), 404, 'not_found'],
    [
      '404 AUTH-00011 unknown system (broker fault)',
      http(404, { code: 'AUTH-00011' }),
      502,
      'server_error',
    ],
    ['400 AUTH-00011 (as the docs say)', http(400, { code: 'AUTH-00011' }), 502, 'server_error'],
    ['401 token refused (broker fault)', http(401), 502, 'server_error'],
    ['403 scope missing (broker fault)', http(403), 502, 'server_error'],
    ['500', http(500), 502, 'temporarily_unavailable'],
    ['429', http(429), 502, 'temporarily_unavailable'],
    [
      'a network error',
      new AltinnError('network', 'Altinn could not be reached (ECONNREFUSED)'),
      502,
      'temporarily_unavailable',
    ],
    [
      'an unreadable answer',
      new AltinnError('malformed', 'junk', { status: 200 }),
      502,
      'temporarily_unavailable',
    ],
    ['a timeout', new AltinnError('timeout', 'slow'), 504, 'temporarily_unavailable'],
  ])('%s → %i %s', (_name, error, status, code) => {
    const { status: actual, body } = answer(error);
    expect(actual).toBe(status);
    expect(body.error).toBe(code);
  });

  it('passes Altinn’s code and validation errors on in altinn_error', () => {
    const text = readFileSync(
      resolve(REFERENCE_FIXTURES, 'altinn/problemdetails-v5-validation.snapshot.json'),
      'utf8',
    );
    const error = new AltinnError('http', 'HTTP 400', {
      status: 400,
      problem: parseProblemDetails(text),
    });

    const { body } = answer(error);

    expect(body.altinn_error).toEqual({
      status: 400,
      error: 'STD-00000',
      error_description:
        'One or more validation errors occurred.; SNAP.VLD-00000 Invalid value (/foo, /bar)',
    });
    expect(body.error_description).toContain('STD-00000');
    expect(body.maskinporten_error).toBeUndefined();
  });

  it('leaves other errors alone', () => {
    const broker = new BrokerError('upstream_timeout', 'x');
    expect(altinnToBrokerError(broker, { what: 'x', callerFault: true })).toBe(broker);
  });
});

describe('vendorTokenError', () => {
  it('turns a refused vendor token (missing altinn scope) into a broker fault', () => {
    const refused = new BrokerError(
      'upstream_refused',
      'Maskinporten refused the request: MP-200',
      {
        error: 'invalid_scope',
        upstream: { status: 400, error: 'invalid_scope' },
      },
    );
    const mapped = vendorTokenError(refused, [
      'altinn:authentication/systemuser.request.write',
    ]) as BrokerError;
    expect(mapped.kind).toBe('broker_misconfigured');
    expect(toErrorResponse(mapped).status).toBe(502);
    expect(mapped.message).toContain('altinn:authentication/systemuser.request.write');
    expect(mapped.upstream?.error).toBe('invalid_scope');
  });

  it('lets Maskinporten being down through as it is', () => {
    const down = new BrokerError('upstream_unavailable', 'down');
    expect(vendorTokenError(down, [])).toBe(down);
  });
});
