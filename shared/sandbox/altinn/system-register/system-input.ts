import { isValidOrgnr } from '../../../domain/orgnr.js';
import {
  hasDuplicates,
  isClientRelationshipPackage,
  isUsablePackage,
  isValidRight,
  packageKeys,
  rightKey,
} from '../access-packages.js';
import { isObject, type JsonObject, trimmedString } from '../altinn-http.js';
import type { AccessPackage, LocalizedText, Right } from '../altinn-model.js';
import { type AltinnValidationError, VLD } from '../altinn-problem.js';

/** A `RegisterSystemRequest` body, read case-insensitively (keys arrive lower-cased). */
export interface SystemDraft {
  id: string;
  /** From `vendor.ID` (`0192:<orgno>`); undefined when missing or not an ISO 6523 orgno. */
  vendorOrgNo: string | undefined;
  name: LocalizedText;
  description: LocalizedText;
  clientId: string[];
  rights: Right[];
  accessPackages: AccessPackage[];
  isVisible: boolean;
  allowedRedirectUrls: string[];
}

export type ParsedSystem =
  | { ok: true; draft: SystemDraft }
  | { ok: false; errors: AltinnValidationError[] };

/** Altinn's error paths (`ErrorPathConstant`). */
export const SYSTEM_PATHS = {
  vendorId: '/registersystemrequest/vendor/id',
  systemId: '/registersystemrequest/systemid',
  redirectUrls: '/registersystemrequest/allowedredirecturls',
  clientId: '/registersystemrequest/clientid',
  accessPackages: '/registersystemrequest/accesspackages',
  rights: '/registersystemrequest/rights/resource',
} as const;

/**
 * Reads the body's shape: `id` and `name` are required, lists default to `[]`, `isVisible` to
 * true, `description` to the name; `softDeleted` and unknown members are ignored. Type errors are
 * `STD.VLD-00000`/`00002`; the Altinn rules are checked by `validateSystem`.
 */
export function parseSystemBody(body: unknown): ParsedSystem {
  if (!isObject(body)) return { ok: false, errors: [VLD.jsonError(['/'])] };
  const errors: AltinnValidationError[] = [];
  const id = trimmedString(body['id']);
  if (!id) errors.push(VLD.required(['/id']));
  const name = localized(body['name'], '/name', errors, true);
  const description = localized(body['description'], '/description', errors, false) ?? name;
  const list = <T>(key: string, item: (v: unknown) => T | undefined): T[] => {
    const value = body[key];
    if (value === undefined || value === null) return [];
    const items = Array.isArray(value) ? value.map(item) : [undefined];
    if (items.some((i) => i === undefined)) errors.push(VLD.invalidValue([`/${key}`]));
    return items.filter((i): i is T => i !== undefined);
  };
  const draft: Omit<SystemDraft, 'id' | 'name' | 'description'> = {
    vendorOrgNo: vendorOrgNo(body['vendor']),
    clientId: list('clientid', (v) => trimmedString(v) || undefined),
    rights: list('rights', parseRight),
    accessPackages: list('accesspackages', parsePackage),
    isVisible: body['isvisible'] === undefined ? true : body['isvisible'] === true,
    allowedRedirectUrls: list('allowedredirecturls', trimmedString),
  };
  if (body['isvisible'] !== undefined && typeof body['isvisible'] !== 'boolean') {
    errors.push(VLD.invalidValue(['/isVisible']));
  }
  if (errors.length > 0 || !id || !name || !description) return { ok: false, errors };
  return { ok: true, draft: { ...draft, id, name, description } };
}

export interface SystemRuleContext {
  /** POST: the id must be unused (AUTH.VLD-00002). */
  idTaken: boolean;
  /** True if a live system other than the one being written lists the client id. */
  clientIdTaken: (clientId: string) => boolean;
}

/** Altinn's system-register rules (reference §6.2), all collected, in Altinn's order. */
export function validateSystem(
  draft: SystemDraft,
  ctx: SystemRuleContext,
): AltinnValidationError[] {
  const errors: AltinnValidationError[] = [];
  const prefix = draft.id.split('_')[0];
  if (!draft.id.includes('_') || prefix !== draft.vendorOrgNo) {
    errors.push(VLD.systemIdFormat([SYSTEM_PATHS.systemId]));
  }
  if (/\s/.test(draft.id)) errors.push(VLD.systemIdSpaces([SYSTEM_PATHS.systemId]));
  if (ctx.idTaken) errors.push(VLD.systemIdExists([SYSTEM_PATHS.systemId]));
  if (!draft.allowedRedirectUrls.every(isHttpsUrl)) {
    errors.push(VLD.redirectUrlFormat([SYSTEM_PATHS.redirectUrls]));
  }
  if (draft.clientId.some(ctx.clientIdTaken))
    errors.push(VLD.clientIdExists([SYSTEM_PATHS.clientId]));
  if (hasDuplicates(draft.clientId.map((c) => c.toLowerCase()))) {
    errors.push(VLD.duplicateClientIds([SYSTEM_PATHS.clientId]));
  }
  if (!draft.rights.every(isValidRight)) errors.push(VLD.resourceIdFormat([SYSTEM_PATHS.rights]));
  if (hasDuplicates(draft.rights.map(rightKey)))
    errors.push(VLD.duplicateRights([SYSTEM_PATHS.rights]));
  const urns = packageKeys(draft.accessPackages);
  if (!urns.every(isUsablePackage)) errors.push(VLD.packageNotValid([SYSTEM_PATHS.accessPackages]));
  if (hasDuplicates(urns)) errors.push(VLD.duplicatePackages([SYSTEM_PATHS.accessPackages]));
  if (draft.isVisible && urns.some(isClientRelationshipPackage)) {
    errors.push(VLD.clientPackageVisible([SYSTEM_PATHS.accessPackages]));
  }
  return errors;
}

/** `vendor.ID` must be `0192:` and a 9-digit orgno (the sandbox also requires MOD11). */
function vendorOrgNo(vendor: unknown): string | undefined {
  const id = isObject(vendor) ? trimmedString(vendor['id']) : undefined;
  if (!id?.startsWith('0192:')) return undefined;
  const digits = id.slice('0192:'.length);
  return isValidOrgnr(digits) ? digits : undefined;
}

function localized(
  value: unknown,
  path: string,
  errors: AltinnValidationError[],
  required: boolean,
): LocalizedText | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push(VLD.required([path]));
    return undefined;
  }
  const texts = isObject(value) ? value : {};
  const pick = (lang: string) => trimmedString(texts[lang]) || undefined;
  const first = pick('nb') ?? pick('nn') ?? pick('en');
  if (!first) {
    errors.push(VLD.invalidValue([path]));
    return undefined;
  }
  return { nb: pick('nb') ?? first, nn: pick('nn') ?? first, en: pick('en') ?? first };
}

export function parseRight(value: unknown): Right | undefined {
  if (!isObject(value) || !Array.isArray(value['resource'])) return undefined;
  const resource: Right['resource'] = [];
  for (const attribute of value['resource'] as unknown[]) {
    const id = isObject(attribute) ? trimmedString(attribute['id']) : undefined;
    const attributeValue = isObject(attribute) ? trimmedString(attribute['value']) : undefined;
    if (id === undefined || attributeValue === undefined) return undefined;
    resource.push({ id, value: attributeValue });
  }
  return { resource };
}

export function parsePackage(value: unknown): AccessPackage | undefined {
  const urn = isObject(value) ? trimmedString(value['urn']) : undefined;
  return urn ? { urn } : undefined;
}

function isHttpsUrl(value: string): boolean {
  return URL.canParse(value) && new URL(value).protocol === 'https:';
}

/** The system-register GET shape (camelCase, `vendor` with `ID` only, like Altinn's response). */
export function systemResponse(system: {
  id: string;
  vendorOrgNo: string;
  name: LocalizedText;
  description: LocalizedText;
  rights: Right[];
  accessPackages: AccessPackage[];
  isDeleted: boolean;
  clientId: string[];
  isVisible: boolean;
  allowedRedirectUrls: string[];
}): JsonObject {
  return {
    id: system.id,
    vendor: { ID: `0192:${system.vendorOrgNo}` },
    name: system.name,
    description: system.description,
    rights: system.rights,
    accessPackages: system.accessPackages,
    isDeleted: system.isDeleted,
    clientId: system.clientId,
    isVisible: system.isVisible,
    allowedRedirectUrls: system.allowedRedirectUrls,
  };
}
