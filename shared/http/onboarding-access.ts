import { type CallerPolicy, decide, requireAllowed } from '../domain/caller-policy.js';
import { BrokerError } from '../domain/errors.js';
import type { ApiRequest } from './api-types.js';
import type { Route, RouteCall, RouteHandler } from './router.js';

/** What a read by id found: the broker's own item, or why there is none to show. */
export type Lookup<T> = T | { missing: string };

/** What is read by id, for the messages and the policy check. */
export interface ByIdTarget<T> {
  /** `system-user request`, `change request`. */
  noun: string;
  id: string;
  /** The customer org the item belongs to. */
  orgOf: (item: T) => string;
}

/**
 * A read by id for the onboarding routes, where the org is known only from Altinn's answer: the
 * caller must be allowed onboarding at all before Altinn is asked, and for the item's org after.
 * An id that is not the broker's (unknown, another vendor's, another system's) is 404 without
 * detail, the same answer whichever it is (the audit line's `notFound` says which); an item of an
 * org the caller may not see is 403 without naming the org.
 */
export async function readAllowed<T>(
  policy: CallerPolicy,
  request: ApiRequest,
  call: RouteCall,
  target: ByIdTarget<T>,
  lookup: () => Promise<Lookup<T>>,
): Promise<T> {
  requireAllowed(policy, request.caller, { kind: 'onboarding' });
  const found = await lookup();
  if (isMissing(found)) throw notFoundById(call, target, found.missing);
  const org = target.orgOf(found);
  call.audit['org'] = org;
  if (!decide(policy, request.caller, { kind: 'onboarding', org }).allowed) {
    // Do not tell a caller which org an id it may not see belongs to.
    throw new BrokerError(
      'access_denied',
      `caller ${request.caller?.id ?? ''} may not read ${target.noun} ${target.id}`,
    );
  }
  return found;
}

/** The one 404 for an id the broker will not show, with the reason in the audit line only. */
export function notFoundById(
  call: RouteCall,
  target: Pick<ByIdTarget<unknown>, 'noun' | 'id'>,
  reason: string,
): BrokerError {
  call.audit['notFound'] = reason;
  return new BrokerError('not_found', `no ${target.noun} ${target.id} for this broker's system`);
}

/** An onboarding endpoint: its audit line is `system-user call` with the action named. */
export function onboardingRoute(
  method: Route['method'],
  path: string,
  action: string,
  handler: RouteHandler,
): Route {
  return {
    method,
    path,
    audit: 'system-user call',
    handler: (request, call) => {
      call.audit['action'] = action;
      return handler(request, call);
    },
  };
}

function isMissing<T>(value: Lookup<T>): value is { missing: string } {
  return typeof value === 'object' && value !== null && 'missing' in value;
}
