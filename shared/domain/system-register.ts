import * as z from 'zod';
import { ACCESS_PACKAGE, RESOURCE_URN } from './altinn-identifiers.js';
import { parseOrgnr } from './orgnr.js';
import { describeIssue, requiredOr } from './schema-fields.js';
import { isHttpsUrl } from './secure-url.js';

const VENDOR_AUTHORITY = 'iso6523-actorid-upis';

/**
 * Access packages that only exist through a client relationship registered in the Entity Register
 * (auditor, accountant, business manager): for agent system users only, so Altinn refuses them on
 * a system users can pick in the portal (`isVisible: true`, AUTH.VLD-00018).
 *
 * @see https://docs.altinn.studio/authorization/guides/end-user/system-user/delegate-clients/
 */
export const CLIENT_RELATIONSHIP_PACKAGES: ReadonlySet<string> = new Set(
  [
    'ansvarlig-revisor',
    'revisormedarbeider',
    'regnskapsforer-med-signeringsrettighet',
    'regnskapsforer-uten-signeringsrettighet',
    'regnskapsforer-lonn',
    'forretningsforer-eiendom',
  ].map((name) => `urn:altinn:accesspackage:${name}`),
);

/** Canonical (camelCase) names of `RegisterSystemRequest`'s fields, by lower-case name. */
const TOP_LEVEL_KEYS: Record<string, string> = Object.fromEntries(
  [
    'id',
    'vendor',
    'name',
    'description',
    'rights',
    'accessPackages',
    'clientId',
    'isVisible',
    'allowedRedirectUrls',
    'softDeleted',
  ].map((key) => [key.toLowerCase(), key]),
);
/** In GET answers but not in the request model: dropped, so `get` output can be registered again. */
const READ_ONLY_KEYS = new Set(['isdeleted']);

const text = z
  .string(requiredOr('must be a string'))
  .trim()
  .min(1, 'must not be empty')
  .max(2_000, 'must be at most 2000 characters');
const localized = z.strictObject(
  { nb: text, nn: text, en: text },
  requiredOr('must be an object with nb, nn and en texts'),
);

const systemSchema = z.strictObject({
  id: z
    .string(requiredOr('must be a string'))
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine((id) => !/\s/.test(id), 'must not contain spaces (AUTH.VLD-00013)'),
  vendor: z.strictObject(
    {
      authority: z
        .literal(VENDOR_AUTHORITY, { message: `must be "${VENDOR_AUTHORITY}"` })
        .optional(),
      ID: z
        .string(requiredOr('must be a string'))
        .refine((id) => /^0192:\d{9}$/.test(id) && parseOrgnr(id) !== undefined, {
          message: 'must be "0192:<orgno>" with a valid 9-digit orgno (AUTH.VLD-00000)',
        }),
    },
    requiredOr('must be an object {"authority": "iso6523-actorid-upis", "ID": "0192:<orgno>"}'),
  ),
  name: localized,
  description: localized,
  rights: z
    .array(
      z.strictObject({
        resource: z
          .array(
            z.strictObject({
              id: z.literal(RESOURCE_URN, {
                message: `must be "${RESOURCE_URN}" (AUTH.VLD-00009)`,
              }),
              value: text,
            }),
          )
          .min(1, 'must name a resource'),
      }),
      {
        message:
          'must be an array of {"resource": [{"id": "urn:altinn:resource", "value": <resource id>}]}',
      },
    )
    .optional(),
  accessPackages: z
    .array(
      z.strictObject({
        urn: z
          .string()
          .regex(
            ACCESS_PACKAGE,
            'must be an access package URN, urn:altinn:accesspackage:<name> (AUTH.VLD-00008)',
          ),
      }),
      { message: 'must be an array of {"urn": "urn:altinn:accesspackage:<name>"}' },
    )
    .optional(),
  clientId: z
    .array(
      z.string({ message: 'must be strings' }).min(1, 'must not be empty'),
      requiredOr('must be an array of Maskinporten client ids'),
    )
    .min(1, 'must hold the Maskinporten client id of the broker'),
  isVisible: z.boolean({ message: 'must be true or false' }).optional(),
  allowedRedirectUrls: z
    .array(
      z
        .string({ message: 'must be strings' })
        .refine((url) => isHttpsUrl(url), 'must be absolute https URLs (AUTH.VLD-00005)'),
    )
    .optional(),
  softDeleted: z.boolean({ message: 'must be true or false' }).optional(),
});

export type SystemRegistration = z.infer<typeof systemSchema>;

export interface SystemRegistrationCheck {
  /** The document with Altinn's camelCase names (keys in any casing are accepted, as Altinn does). */
  system: Record<string, unknown>;
  /** Every problem found, `path: rule`; empty when the document may be sent. */
  problems: string[];
}

export interface SystemRegistrationContext {
  /** The broker's Maskinporten client id: must be in `clientId`, or no system-user token can be had. */
  clientId: string;
  /** The vendor the broker acts as, when known: the register accepts only the token's own org. */
  vendorOrgNo?: string;
}

/**
 * Checks a system-register document the way Altinn will (`SystemRegisterController`
 * validation), and reports every problem at once: id `<vendor orgno>_<name>` without spaces,
 * vendor `0192:<orgno>`, name and description in nb, nn and en, https redirect URLs, rights and
 * packages well formed and not repeated, the broker's client id present and not repeated, and no
 * client-relationship package on a visible system. What only Altinn can know (resource and
 * package existence, client ids taken by other systems) is left to Altinn.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemregister/model/
 * @see https://github.com/Altinn/altinn-authentication/blob/main/src/Core/Errors/ValidationErrors.cs
 */
export function checkSystemRegistration(
  document: unknown,
  context: SystemRegistrationContext,
): SystemRegistrationCheck {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { system: {}, problems: ['the document must be a JSON object'] };
  }
  const system = canonicalise(document as Record<string, unknown>);
  const problems: string[] = [];
  const parsed = systemSchema.safeParse(system);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(describeIssue(issue, { root: 'document', locateUnknown: true }));
    }
  }
  problems.push(...crossFieldProblems(system, context));
  return { system, problems: [...new Set(problems)] };
}

function crossFieldProblems(
  system: Record<string, unknown>,
  context: SystemRegistrationContext,
): string[] {
  const problems: string[] = [];
  const vendorId = isRecord(system['vendor']) ? system['vendor']['ID'] : undefined;
  const vendorOrgNo = typeof vendorId === 'string' ? parseOrgnr(vendorId) : undefined;
  const id = system['id'];
  if (typeof id === 'string' && vendorOrgNo !== undefined) {
    const [prefix, ...rest] = id.split('_');
    if (prefix !== vendorOrgNo || rest.join('_').length === 0) {
      problems.push(
        `id: must be "${vendorOrgNo}_<name>", the vendor orgno, "_" and a name (AUTH.VLD-00001)`,
      );
    }
  }
  if (
    context.vendorOrgNo !== undefined &&
    vendorOrgNo !== undefined &&
    vendorOrgNo !== context.vendorOrgNo
  ) {
    problems.push(
      `vendor.ID: must be the broker's own org 0192:${context.vendorOrgNo} (Altinn answers 403 otherwise)`,
    );
  }
  const clientIds = stringsOf(system['clientId']);
  if (Array.isArray(system['clientId'])) {
    if (!clientIds.includes(context.clientId)) {
      problems.push(
        `clientId: must include the broker's Maskinporten client id ${context.clientId} (else every system-user token fails with MP-303)`,
      );
    }
    if (new Set(clientIds).size !== clientIds.length)
      problems.push('clientId: must not repeat a client id (AUTH.VLD-00011)');
  }
  const rights = Array.isArray(system['rights']) ? system['rights'] : [];
  const rightKeys = rights.map((right) => JSON.stringify(right));
  if (new Set(rightKeys).size !== rightKeys.length)
    problems.push('rights: must not repeat a right (AUTH.VLD-00006)');
  const packages = Array.isArray(system['accessPackages'])
    ? system['accessPackages']
        .map((entry) => (isRecord(entry) ? entry['urn'] : undefined))
        .filter((urn) => typeof urn === 'string')
    : [];
  if (new Set(packages).size !== packages.length)
    problems.push('accessPackages: must not repeat a package (AUTH.VLD-00007)');
  const visible = system['isVisible'] ?? true;
  const clientPackages = packages.filter((urn) => CLIENT_RELATIONSHIP_PACKAGES.has(urn));
  if (visible === true && clientPackages.length > 0) {
    problems.push(
      `isVisible: must be false with client-relationship packages (${clientPackages.join(', ')}): they are for agent system users only (AUTH.VLD-00018)`,
    );
  }
  return problems;
}

/** Altinn binds JSON case-insensitively; the file may say `allowedredirecturls`, `Vendor`, `ID`... */
function canonicalise(document: Record<string, unknown>): Record<string, unknown> {
  const system: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    const lower = key.toLowerCase();
    if (READ_ONLY_KEYS.has(lower)) continue;
    const name = TOP_LEVEL_KEYS[lower] ?? key;
    system[name] = canonicalValue(name, value);
  }
  return system;
}

function canonicalValue(name: string, value: unknown): unknown {
  switch (name) {
    case 'vendor':
      return renameKeys(value, { authority: 'authority', id: 'ID' });
    case 'name':
    case 'description':
      return renameKeys(value, { nb: 'nb', nn: 'nn', en: 'en' });
    case 'rights':
      return Array.isArray(value)
        ? value.map((right) => {
            const renamed = renameKeys(right, { resource: 'resource' });
            if (!isRecord(renamed) || !Array.isArray(renamed['resource'])) return renamed;
            return {
              ...renamed,
              resource: renamed['resource'].map((a) => renameKeys(a, { id: 'id', value: 'value' })),
            };
          })
        : value;
    case 'accessPackages':
      return Array.isArray(value) ? value.map((entry) => renameKeys(entry, { urn: 'urn' })) : value;
    default:
      return value;
  }
}

function renameKeys(value: unknown, names: Record<string, string>): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [names[key.toLowerCase()] ?? key, v]),
  );
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
