import { describe, expect, it } from 'vitest';
import { BrokerError, type BrokerErrorKind } from '../../../shared/domain/errors.js';
import { type ApiRequest, MAX_BODY_BYTES } from '../../../shared/http/api-types.js';
import { readJsonBody, rememberingBodyParser } from '../../../shared/http/json-body.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function request(
  contentType: string | undefined,
  body?: Uint8Array | string,
  bodyTooLarge?: boolean,
): ApiRequest {
  return {
    method: 'POST',
    path: '/v1/token',
    query: new URLSearchParams(),
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? bytes(body) : body }),
    ...(bodyTooLarge === undefined ? {} : { bodyTooLarge }),
  };
}

function failure(req: ApiRequest): BrokerError {
  try {
    readJsonBody(req);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    return error as BrokerError;
  }
  throw new Error('expected readJsonBody to throw');
}

const expectFailure = (req: ApiRequest, kind: BrokerErrorKind, message: string) => {
  const error = failure(req);
  expect(error.kind).toBe(kind);
  expect(error.message).toBe(message);
};

describe('readJsonBody: content type', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json ; charset=utf-8',
    'Application/JSON',
    'application/vnd.x+json',
    'application/vnd.broker.v1+json; charset=utf-8',
    'application/problem+json',
  ])('accepts %j', (contentType) => {
    expect(readJsonBody(request(contentType, '{"scope":"a"}'))).toStrictEqual({ scope: 'a' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['text/plain', 'text/plain'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['text/json', 'text/json'],
    ['application/jsonx', 'application/jsonx'],
    ['application/json-seq', 'application/json-seq'],
    ['application/x-ndjson', 'application/x-ndjson'],
    ['a +json suffix without a subtype', 'application/+json'],
    ['json only as a parameter', 'text/plain; x=application/json'],
    ['two joined header values', 'application/json, text/plain'],
    ['a leading space', ' application/json'],
  ])('answers 415 for %s', (_, contentType) => {
    expectFailure(
      request(contentType, '{}'),
      'unsupported_media_type',
      'content-type must be application/json',
    );
  });

  it('checks the content type before the size', () => {
    expect(failure(request('text/plain', undefined, true)).kind).toBe('unsupported_media_type');
  });
});

describe('readJsonBody: size', () => {
  const tooLarge = `the body must be at most ${MAX_BODY_BYTES} bytes`;

  it('answers 413 when the transport stopped reading', () => {
    expectFailure(request('application/json', '{}', true), 'payload_too_large', tooLarge);
    expectFailure(request('application/json', undefined, true), 'payload_too_large', tooLarge);
  });

  it('answers 413 one byte over the limit', () => {
    const body = `{"a":"${'x'.repeat(MAX_BODY_BYTES - 7)}"}`;
    expect(bytes(body).byteLength).toBe(MAX_BODY_BYTES + 1);
    expectFailure(request('application/json', body), 'payload_too_large', tooLarge);
  });

  it('counts bytes, not characters', () => {
    const body = `{"a":"${'ø'.repeat(MAX_BODY_BYTES / 2)}"}`;
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expectFailure(request('application/json', body), 'payload_too_large', tooLarge);
  });

  it('accepts exactly the limit', () => {
    const body = `{"a":"${'x'.repeat(MAX_BODY_BYTES - 8)}"}`;
    expect(bytes(body).byteLength).toBe(MAX_BODY_BYTES);
    expect(readJsonBody(request('application/json', body))).toStrictEqual({
      a: 'x'.repeat(MAX_BODY_BYTES - 8),
    });
  });
});

describe('readJsonBody: content', () => {
  it.each([
    ['no body', undefined],
    ['a zero-length body', new Uint8Array(0)],
  ])('answers 400 for %s', (_, body) => {
    expectFailure(request('application/json', body), 'invalid_request', 'the body is empty');
  });

  it.each([
    ['0xff 0xfe', [0xff, 0xfe]],
    ['a UTF-16LE BOM before JSON', [0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]],
    ['a truncated sequence', [0x7b, 0x22, 0xc3, 0x22, 0x7d]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a lone surrogate', [0xed, 0xa0, 0x80]],
    ['Latin-1 ø', [0x22, 0xf8, 0x22]],
  ])('answers 400 for invalid UTF-8: %s', (_, body) => {
    expectFailure(
      request('application/json', new Uint8Array(body)),
      'invalid_request',
      'the body is not valid UTF-8',
    );
  });

  it.each(['{', '{"a":}', "{'a':1}", '{"a":1}garbage', 'undefined', 'NaN', '   ', '{"a":1,}'])(
    'answers 400 for invalid JSON %j, without echoing it',
    (body) => {
      const error = failure(request('application/json', body));
      expect(error.kind).toBe('invalid_request');
      expect(error.message).toBe('the body is not valid JSON');
    },
  );

  it.each([
    ['an object', '{"scope":"a"}', { scope: 'a' }],
    ['CRLF and tabs', '{\r\n\t"a": 1\r\n}', { a: 1 }],
    ['a UTF-8 BOM', '\ufeff{"a":1}', { a: 1 }],
    ['multi-byte characters', '{"a":"Bønes ✓"}', { a: 'Bønes ✓' }],
    ['an array (the schema refuses it later)', ' [1] ', [1]],
    ['null', 'null', null],
    ['a string', '"s"', 's'],
  ])('parses %s', (_, body, value) => {
    expect(readJsonBody(request('application/json', body))).toStrictEqual(value);
  });

  it('keeps working after a decoding failure', () => {
    expect(failure(request('application/json', new Uint8Array([0xe2, 0x82]))).message).toBe(
      'the body is not valid UTF-8',
    );
    expect(readJsonBody(request('application/json', '{"a":"€"}'))).toStrictEqual({ a: '€' });
  });

  it('parses deep nesting within the size limit without blowing the stack', () => {
    const depth = MAX_BODY_BYTES / 2;
    const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(() => readJsonBody(request('application/json', body))).not.toThrow();
    expectFailure(
      request('application/json', '['.repeat(MAX_BODY_BYTES)),
      'invalid_request',
      'the body is not valid JSON',
    );
  });

  it('reads a view into a larger buffer by its own bounds', () => {
    const backing = bytes('xx{"a":1}yy');
    expect(readJsonBody(request('application/json', backing.subarray(2, 9)))).toStrictEqual({
      a: 1,
    });
  });
});

describe('rememberingBodyParser', () => {
  const parseCount = () => {
    let calls = 0;
    const parse = rememberingBodyParser((body: unknown) => {
      calls += 1;
      return { ...(body as object) };
    });
    return { parse, calls: () => calls };
  };
  const text = '{"scope":"krr:global/kontaktinformasjon.read","org":"910753614"}';

  it('parses the same bytes once, however they are held (Buffer, slice of a larger one, Uint8Array)', () => {
    const { parse, calls } = parseCount();
    const pooled = Buffer.from(`xx${text}yy`).subarray(2, 2 + text.length);
    const first = parse(request('application/json', Buffer.from(text)));

    expect(parse(request('application/json', pooled))).toBe(first);
    expect(parse(request('application/json', bytes(text)))).toBe(first);
    expect(calls()).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps different bodies apart', () => {
    const { parse, calls } = parseCount();
    const a = parse(request('application/json', Buffer.from('{"org":"910753614"}')));
    const b = parse(request('application/json', Buffer.from('{"org":"310461246"}')));
    expect(a).toEqual({ org: '910753614' });
    expect(b).toEqual({ org: '310461246' });
    expect(calls()).toBe(2);
  });

  it('still checks the media type on every request', () => {
    const { parse } = parseCount();
    parse(request('application/json', Buffer.from(text)));
    expect(() => parse(request('text/plain', Buffer.from(text)))).toThrow(BrokerError);
    expect(() => parse(request(undefined, Buffer.from(text)))).toThrow(BrokerError);
    expect(() =>
      parse(request('application/json; charset=utf-8', Buffer.from(text))),
    ).not.toThrow();
    expect(() => parse(request('text/plain', Buffer.from(text)))).toThrow(BrokerError);
  });

  it('keeps its own copy of the last body: bytes changed in place afterwards are a new body', () => {
    const { parse } = parseCount();
    const held = Buffer.from('{"org":"910753614"}');
    expect(parse(request('application/json', held))).toEqual({ org: '910753614' });
    held.write('310461246', 8, 'latin1');
    expect(parse(request('application/json', held))).toEqual({ org: '310461246' });
  });

  it('answers bodies of the same length that alternate, each with its own result', () => {
    const { parse, calls } = parseCount();
    const a = '{"org":"910753614"}';
    const b = '{"org":"310461246"}';
    for (const body of [a, b, a, a, b]) {
      expect(parse(request('application/json', Buffer.from(body)))).toEqual(JSON.parse(body));
    }
    expect(calls()).toBe(2);
  });
});
