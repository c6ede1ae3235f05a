import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProblemDetails } from '../../../../shared/adapters/altinn/problem-details.js';
import { AltinnError } from '../../../../shared/ports/altinn.js';
import { REFERENCE_FIXTURES } from '../../../support/fixtures.js';

/** The fixture exactly as stored (BOM included): the parser gets what the wire would carry. */
const raw = (name: string) => readFileSync(resolve(REFERENCE_FIXTURES, 'altinn', name), 'utf8');

describe('parseProblemDetails on the real fixtures', () => {
  it('reads the pre-v5 validation shape: message in detail, STD-00000 around AUTH.VLD codes', () => {
    const problem = parseProblemDetails(raw('problemdetails-validation-pre-v5.json'));

    expect(problem).toEqual({
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'Bad Request',
      detail: 'One or more validation errors occurred.',
      status: 400,
      code: 'STD-00000',
      validationErrors: [
        {
          code: 'AUTH.VLD-00004',
          detail: 'One of the client id is already tagged with an existing system',
          paths: ['/registersystemrequest/clientid'],
        },
      ],
    });
  });

  it('reads the v5 validation shape behind a BOM: message in title', () => {
    expect(raw('problemdetails-v5-validation.snapshot.json').charCodeAt(0)).toBe(0xfeff);
    const problem = parseProblemDetails(raw('problemdetails-v5-validation.snapshot.json'));

    expect(problem).toEqual({
      type: 'urn:altinn:error:STD-00000',
      title: 'One or more validation errors occurred.',
      status: 400,
      code: 'STD-00000',
      validationErrors: [
        { code: 'SNAP.VLD-00000', title: 'Invalid value', paths: ['/foo', '/bar'] },
      ],
    });
  });

  it('reads the v5 simple shape (statusDescription ignored)', () => {
    const problem = parseProblemDetails(raw('problemdetails-v5-simple.snapshot.json'));

    expect(problem).toEqual({
      type: 'urn:altinn:error:SNAP-00000',
      title: 'Simple error',
      status: 507,
      code: 'SNAP-00000',
      validationErrors: [],
    });
  });

  it('describes each shape in one line through AltinnError', () => {
    const pre = new AltinnError('http', 'x', {
      status: 400,
      problem: parseProblemDetails(raw('problemdetails-validation-pre-v5.json')),
    });
    const v5 = new AltinnError('http', 'x', {
      status: 400,
      problem: parseProblemDetails(raw('problemdetails-v5-validation.snapshot.json')),
    });

    expect(pre.code).toBe('STD-00000');
    expect(pre.description).toBe(
      'Bad Request — One or more validation errors occurred.; AUTH.VLD-00004 One of the client id is already tagged with an existing system (/registersystemrequest/clientid)',
    );
    expect(v5.description).toBe(
      'One or more validation errors occurred.; SNAP.VLD-00000 Invalid value (/foo, /bar)',
    );
  });
});

describe('parseProblemDetails tolerance', () => {
  it('takes the code from a v5 type when code is missing', () => {
    expect(parseProblemDetails('{"type":"urn:altinn:error:AUTH-00011","title":"x"}').code).toBe(
      'AUTH-00011',
    );
  });

  it('matches keys case-insensitively', () => {
    const problem = parseProblemDetails(
      '{"Code":"AUTH-00004","Title":"exists","ValidationErrors":[{"Code":"A","Paths":["/x"]}]}',
    );
    expect(problem).toMatchObject({
      code: 'AUTH-00004',
      title: 'exists',
      validationErrors: [{ code: 'A', paths: ['/x'] }],
    });
  });

  it("reads ASP.NET's errors dictionary as validation errors", () => {
    const problem = parseProblemDetails(
      '{"title":"One or more validation errors occurred.","status":400,"errors":{"$.partyOrgNo":["bad"]}}',
    );
    expect(problem.validationErrors).toEqual([{ paths: ['$.partyOrgNo'], detail: 'bad' }]);
  });

  it.each([
    ['HTML', '<html><body>Bad gateway</body></html>'],
    ['empty', ''],
    ['a JSON string', '"boom"'],
    ['an array', '[1,2]'],
  ])('gives an empty problem for %s', (_name, text) => {
    expect(parseProblemDetails(text)).toEqual({ validationErrors: [] });
  });

  it('cuts long texts and bounds the number of validation errors', () => {
    const many = Array.from({ length: 50 }, () => ({
      code: 'X',
      title: 't'.repeat(5000),
      paths: [],
    }));
    const problem = parseProblemDetails(
      JSON.stringify({ title: 't'.repeat(5000), validationErrors: many }),
    );
    expect(problem.title?.length).toBe(500);
    expect(problem.validationErrors).toHaveLength(20);
    expect(problem.validationErrors[0]?.title?.length).toBe(500);
  });
});
