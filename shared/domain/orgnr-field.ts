import * as z from 'zod';
import { parseOrgnr } from './orgnr.js';

/**
 * A schema field for an organisation number: `0192:` prefix accepted, MOD11-checked, parsed to the
 * bare 9 digits. Used by every request schema, so the rule and its message live in one place.
 */
export function orgnrField(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).transform((value, ctx) => {
    const orgnr = parseOrgnr(value);
    if (!orgnr) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a 9-digit Norwegian organisation number with a valid check digit',
      });
      return z.NEVER;
    }
    return orgnr;
  });
}
