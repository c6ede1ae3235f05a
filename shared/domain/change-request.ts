import * as z from 'zod/mini';
import { ACCESS_PACKAGE, ACCESS_PACKAGE_PREFIX, RESOURCE_ID } from './altinn-identifiers.js';
import { invalidRequest } from './errors.js';
import { describeIssue, externalRefField, orgnrField, requiredOr } from './schema-fields.js';
import { isHttpsUrl } from './secure-url.js';
import { MAX_ACCESS_PACKAGES, MAX_RIGHTS } from './system-user-request.js';
import { uuidV5 } from './uuid-v5.js';

/** A validated `POST /v1/systemuser-changes` body: lists sorted and without repeats. */
export interface ChangeRequestInput {
  org: string;
  externalRef?: string;
  /** Altinn resource ids the system user should get. */
  requiredRights: string[];
  /** Altinn resource ids the system user should lose. */
  unwantedRights: string[];
  requiredAccessPackages: string[];
  unwantedAccessPackages: string[];
  redirectUrl?: string;
}

const resourceIds = z
  .array(
    z
      .string({ message: 'must be strings' })
      .check(z.regex(RESOURCE_ID, 'must be Altinn resource ids such as "ske-krav-og-betalinger"')),
    { message: 'must be an array of resource ids' },
  )
  .check(z.maxLength(MAX_RIGHTS, `must hold at most ${MAX_RIGHTS} resource ids`));

const packageUrns = z
  .array(
    z
      .string({ message: 'must be strings' })
      .check(
        z.regex(ACCESS_PACKAGE, `must be access package URNs (${ACCESS_PACKAGE_PREFIX}<name>)`),
      ),
    { message: 'must be an array of access package URNs' },
  )
  .check(
    z.maxLength(
      MAX_ACCESS_PACKAGES,
      `must hold at most ${MAX_ACCESS_PACKAGES} access package URNs`,
    ),
  );

const changeSchema = z.strictObject({
  org: orgnrField(requiredOr('must be a string')),
  externalRef: z.optional(externalRefField({ message: 'must be a string' })),
  requiredRights: z.optional(resourceIds),
  unwantedRights: z.optional(resourceIds),
  requiredAccessPackages: z.optional(packageUrns),
  unwantedAccessPackages: z.optional(packageUrns),
  redirectUrl: z.optional(
    z
      .string({ message: 'must be a string' })
      .check(z.refine((value: string) => isHttpsUrl(value), 'must be an absolute https URL')),
  ),
});

/**
 * Validates a `POST /v1/systemuser-changes` body: what a standard system user should get and lose.
 * Lists are sorted and repeats dropped (a change is a set); an item both required and unwanted is
 * refused (Altinn would store it and the outcome would depend on the order it applies them in).
 * Four empty lists are allowed: Altinn answers them with `NoChangeNeeded`.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export function parseChangeRequestInput(body: unknown): ChangeRequestInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object');
  }
  const parsed = changeSchema.safeParse(body);
  if (!parsed.success) throw invalidRequest(describeIssue(parsed.error.issues[0]));
  const { org, externalRef, redirectUrl } = parsed.data;
  const input: ChangeRequestInput = {
    org,
    requiredRights: asSet(parsed.data.requiredRights),
    unwantedRights: asSet(parsed.data.unwantedRights),
    requiredAccessPackages: asSet(parsed.data.requiredAccessPackages),
    unwantedAccessPackages: asSet(parsed.data.unwantedAccessPackages),
  };
  requireDisjoint('rights', input.requiredRights, input.unwantedRights);
  requireDisjoint('accessPackages', input.requiredAccessPackages, input.unwantedAccessPackages);
  if (externalRef !== undefined) input.externalRef = externalRef;
  if (redirectUrl !== undefined) input.redirectUrl = redirectUrl;
  return input;
}

/** Whether the change asks for nothing (Altinn answers `NoChangeNeeded` and stores nothing). */
export function isEmptyChange(input: ChangeRequestInput): boolean {
  return (
    input.requiredRights.length +
      input.unwantedRights.length +
      input.requiredAccessPackages.length +
      input.unwantedAccessPackages.length ===
    0
  );
}

/** The broker's namespace for change-request correlation ids (a fixed, random UUID). */
export const CHANGE_REQUEST_NAMESPACE = 'f11ccad8-090d-4d01-8fee-147964e9e716';

/**
 * The `correlation-id` of a change request, which Altinn uses as the change request's id and
 * answers a repeated POST with (reference §5 step 7). It is a UUIDv5 of the system, the system
 * user, the change as sets (sorted, so the order a caller lists items in does not matter) and a
 * generation: the same change for the same system user is the same id, so a repeated POST, from
 * any instance, finds the one Altinn has; no state is kept. `redirectUrl` is not part of it: it
 * is where the customer goes afterwards, not what changes.
 *
 * The generation exists because Altinn keeps a deleted change request's id for good (its primary
 * key, reference §5 step 9: reusing it fails with 500): after a delete, the same change is asked
 * again under the next generation's id.
 */
export function changeRequestId(
  owner: { systemId: string; systemUserId: string },
  change: ChangeRequestInput,
  generation: number,
): string {
  const name = JSON.stringify([
    'systemuser-change/v1',
    owner.systemId,
    owner.systemUserId.toLowerCase(),
    change.requiredRights,
    change.unwantedRights,
    change.requiredAccessPackages,
    change.unwantedAccessPackages,
    generation,
  ]);
  return uuidV5(CHANGE_REQUEST_NAMESPACE, name);
}

function asSet(list: string[] | undefined): string[] {
  return [...new Set(list ?? [])].sort();
}

function requireDisjoint(what: string, required: string[], unwanted: string[]): void {
  const both = required.find((item) => unwanted.includes(item));
  if (both !== undefined) {
    const field = `${what.charAt(0).toUpperCase()}${what.slice(1)}`;
    throw invalidRequest(
      `unwanted${field}: ${JSON.stringify(both)} is also in required${field}; a change either adds or removes it`,
    );
  }
}
