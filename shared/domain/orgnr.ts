/**
 * Norwegian organisation numbers: 9 digits, the last a MOD11 check digit with weights 3,2,7,6,5,4,3,2.
 *
 * @see https://www.brreg.no/en/about-us-2/our-registers/about-the-central-coordinating-register-for-legal-entities-ccr/about-the-organisation-number/
 */
const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;
const ICD_PREFIX = '0192:';
const NINE_DIGITS = /^\d{9}$/;

/** True if `value` is 9 digits with a valid MOD11 check digit. */
export function isValidOrgnr(value: string): boolean {
  if (!NINE_DIGITS.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < WEIGHTS.length; i++) sum += Number(value[i]) * (WEIGHTS[i] as number);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[8]);
}

/** Accepts `123456785` or `0192:123456785`; returns the bare 9 digits, or undefined if invalid. */
export function parseOrgnr(value: string): string | undefined {
  const digits = value.startsWith(ICD_PREFIX) ? value.slice(ICD_PREFIX.length) : value;
  return isValidOrgnr(digits) ? digits : undefined;
}

/** The ISO 6523 form Maskinporten and Altinn use in claims: `0192:<orgnr>`. */
export const toIso6523 = (orgnr: string) => `${ICD_PREFIX}${orgnr}`;
