import { describe, expect, it } from 'vitest';
import { isLoopbackHost, requireSecureUrl } from '../../../shared/domain/secure-url.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.0.0.2', '127.255.255.255', '::1', '[::1]'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    '127.0.0.1.evil.com',
    'evil.127.0.0.1',
    '128.0.0.1',
    '10.0.0.1',
    '0.0.0.0',
    'localhost.',
    'localhost.evil.com',
    'foo.localhost',
    '127.0.0',
    '::',
    '[::ffff:7f00:1]',
    '',
  ])('%j is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('requireSecureUrl', () => {
  it.each([
    ['https://maskinporten.no/', 'https://maskinporten.no/'],
    ['https://test.maskinporten.no/token', 'https://test.maskinporten.no/token'],
    ['HTTPS://Maskinporten.NO/', 'https://maskinporten.no/'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
    ['http://127.1.2.3/', 'http://127.1.2.3/'],
    ['http://localhost:3000/mp/', 'http://localhost:3000/mp/'],
    ['HTTP://LOCALHOST/', 'http://localhost/'],
    ['http://[::1]:8080/', 'http://[::1]:8080/'],
    ['http://[0:0:0:0:0:0:0:1]/', 'http://[::1]/'],
    ['http://127.1/', 'http://127.0.0.1/'],
    ['http://2130706433/', 'http://127.0.0.1/'],
  ])('accepts %s', (value, href) => {
    expect(requireSecureUrl(value, 'X').href).toBe(href);
  });

  it.each([
    ['http://maskinporten.no/', 'http://maskinporten.no'],
    ['http://127.0.0.1.evil.com/', 'http://127.0.0.1.evil.com'],
    ['http://127.0.0.1@evil.com/', 'http://evil.com'],
    ['http://127.0.0.1:80@evil.com/', 'http://evil.com'],
    ['http://evil.com#@127.0.0.1', 'http://evil.com'],
    ['http://evil.com/?host=127.0.0.1', 'http://evil.com'],
    ['http://localhost.evil.com/', 'http://localhost.evil.com'],
    ['http://localhost./', 'http://localhost.'],
    ['http://10.0.0.1/', 'http://10.0.0.1'],
    ['http://0.0.0.0/', 'http://0.0.0.0'],
    ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]'],
    ['ws://localhost/', 'ws://localhost'],
    ['ftp://maskinporten.no/', 'ftp://maskinporten.no'],
  ])('refuses %s', (value, origin) => {
    expect(() => requireSecureUrl(value, 'MASKINPORTEN_ISSUER')).toThrow(
      new TypeError(`MASKINPORTEN_ISSUER must use https (plain http only on loopback): ${origin}`),
    );
  });

  it('refuses file: URLs', () => {
    expect(() => requireSecureUrl('file:///etc/passwd', 'X')).toThrow(/^X must use https/);
  });

  it('never shows credentials from a refused URL', () => {
    expect(() => requireSecureUrl('http://user:s3cret@evil.com/', 'X')).toThrow(TypeError);
    try {
      requireSecureUrl('http://user:s3cret@evil.com/', 'X');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it.each(['', 'not a url', 'maskinporten.no', '//maskinporten.no/', 'https://'])(
    'refuses %j as not a URL',
    (value) => {
      expect(() => requireSecureUrl(value, 'X')).toThrow(
        new TypeError(`X is not a URL: ${JSON.stringify(value)}`),
      );
    },
  );
});
