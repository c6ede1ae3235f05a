import {
  authorizeAction,
  type CallerIdentity,
  type CallerPolicy,
  type PolicyAction,
  tokenAction,
} from '../domain/caller-policy.js';
import type { TokenAuthorizer } from './token-route.js';

/** Decides whether a caller may do what it asks (a token, or onboarding); throws `access_denied` if not. */
export type ActionAuthorizer = (caller: CallerIdentity | undefined, action: PolicyAction) => void;

/** The caller policy as an authoriser; without one (the local server) every caller may do anything. */
export function policyAuthorizer(policy: CallerPolicy | undefined): ActionAuthorizer {
  if (!policy) return () => {};
  return (caller, action) => {
    authorizeAction(policy, caller?.id, action);
  };
}

/** The token route's view of an authoriser: the token request as a policy action. */
export function tokenAuthorizer(authorize: ActionAuthorizer): TokenAuthorizer {
  return (caller, request) => authorize(caller, tokenAction(request));
}
