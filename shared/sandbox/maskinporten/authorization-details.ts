import { parseOrgnr } from '../../domain/orgnr.js';
import { isJsonObject } from './jws-decode.js';
import { invalidParameter } from './mp-errors.js';

export const SYSTEM_USER_TYPE = 'urn:altinn:systemuser';
export const ISO6523_AUTHORITY = 'iso6523-actorid-upis';

const ELEMENT_MEMBERS = new Set(['type', 'systemuser_org', 'externalRef']);
const ORG_MEMBERS = new Set(['authority', 'ID']);
const ISO6523_ORGNR = /^0192:(\d{9})$/;

/** The one system-user request a grant may carry. */
export interface SystemUserGrantRequest {
  /** Bare orgno of the system user's owner. */
  ownerOrgNo: string;
  externalRef?: string;
}

/**
 * Parses the grant's `authorization_details`: exactly one `urn:altinn:systemuser` element
 * `{type, systemuser_org: {authority, ID: '0192:<orgno>'}, externalRef?}` and nothing else, since
 * Maskinporten resolves one party per grant. `urn:altinn:consent` is not simulated.
 * Throws `MaskinportenRejection` (invalid_request, MP-011).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export function parseAuthorizationDetails(value: unknown): SystemUserGrantRequest {
  if (!Array.isArray(value)) throw invalidParameter('authorization_details must be an array');
  if (value.length !== 1) {
    throw invalidParameter('authorization_details must hold exactly one element');
  }
  const element: unknown = value[0];
  if (!isJsonObject(element)) throw invalidParameter('authorization_details[0] must be an object');
  const extra = Object.keys(element).find((key) => !ELEMENT_MEMBERS.has(key));
  if (extra !== undefined)
    throw invalidParameter(`authorization_details[0].${extra} is not allowed`);
  if (element['type'] !== SYSTEM_USER_TYPE) {
    throw invalidParameter(`authorization_details[0].type must be ${SYSTEM_USER_TYPE}`);
  }
  const ownerOrgNo = parseSystemUserOrg(element['systemuser_org']);
  const externalRef = element['externalRef'];
  if (externalRef === undefined) return { ownerOrgNo };
  if (typeof externalRef !== 'string' || externalRef.trim() === '') {
    throw invalidParameter('authorization_details[0].externalRef must be a non-empty string');
  }
  return { ownerOrgNo, externalRef };
}

function parseSystemUserOrg(value: unknown): string {
  if (!isJsonObject(value)) throw invalidParameter('systemuser_org must be an object');
  const extra = Object.keys(value).find((key) => !ORG_MEMBERS.has(key));
  if (extra !== undefined) throw invalidParameter(`systemuser_org.${extra} is not allowed`);
  if (value['authority'] !== ISO6523_AUTHORITY) {
    throw invalidParameter(`systemuser_org.authority must be ${ISO6523_AUTHORITY}`);
  }
  const id = value['ID'];
  const digits = typeof id === 'string' ? ISO6523_ORGNR.exec(id)?.[1] : undefined;
  const orgnr = digits === undefined ? undefined : parseOrgnr(digits);
  if (orgnr === undefined) {
    throw invalidParameter('systemuser_org.ID must be 0192:<orgno> with a valid check digit');
  }
  return orgnr;
}
