import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The reference fixtures live beside the checkout in `../shared/fixtures` (never imported by code). */
export const REFERENCE_FIXTURES = resolve(
  new URL('../..', import.meta.url).pathname,
  '../shared/fixtures',
);

export function readFixture<T = unknown>(relativePath: string): T {
  const text = readFileSync(resolve(REFERENCE_FIXTURES, relativePath), 'utf8');
  return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
}
