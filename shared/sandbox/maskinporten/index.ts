/**
 * The sandbox's Maskinporten: RFC 8414 metadata, the JWKS and the jwt-bearer token endpoint under
 * `{origin}{basePath}/maskinporten/`, strict about Digdir's grant rules, as
 * `shared/reference/maskinporten-protocol.md` states them. Errors are JSON
 * `{error, error_description}`, the description starting with Digdir's `MP-nnn` id.
 *
 * What it simulates:
 * - clients (`registerClient`: client id, org, scopes, public keys, optional system) and key
 *   rotation; every rule of the grant: header (`alg` RS256/384/512 and `kid`), only documented
 *   claims, `aud` exactly the issuer, `iat` within 10 s, `exp − iat ≤ 120 s`, `jti` reuse (MP-012),
 *   scopes registered on the client (MP-200), `resource`, `pid`, `consumer_org`;
 * - system-user grants (`authorization_details` with `urn:altinn:systemuser`): the Altinn lookup
 *   by client id, vendor, `systemuser_org` and `externalRef` (MP-303 when it fails), then, for
 *   each scope Altinn governs, whether the system user has it: MP-300 when the vendor's system
 *   offers no right or package that gives the scope, MP-301 when the customer has not given it to
 *   this system user (the scope map is the Altinn side's `ResourceRegistry`); scopes nobody
 *   governs are issued to any system user, as before;
 * - the issued token's claims (`consumer`, `supplier` with `consumer_org`, `aud` from `resource`,
 *   `authorization_details` with `systemuser_id` as an array), `expires_in` per client or global;
 * - faults and counters for tests (`faults`, `stats`).
 *
 * What it does not: business certificates (`x5c`) and MP-120/121/122/123; consent
 * (`urn:altinn:consent`); Altinn's scope delegations between organisations for `consumer_org`
 * (only "your own org" is refused); rate limits; the Digdir admin API (clients are registered in
 * code).
 *
 * Where Digdir documents no id or status, the choice made (in `mp-errors.ts`): MP-011 for a grant
 * Maskinporten cannot read and for bad request parameters; "Issue time is after now" under
 * MP-130; MP-303 as HTTP 400; MP-300 and MP-301 (filed under "Forbidden") as HTTP 403 with
 * `error: "forbidden"`, the value a captured Maskinporten answer with MP-300's text carries, and
 * only after the system user was found, since the check needs it. A grant may not carry `sub`,
 * `nbf` or `iss_onbehalfof` ("Adding claims not present in the documentation ... Invalid
 * assertion").
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export type { ClientRegistration } from './client-registry.js';
export {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  MaskinportenSimulator,
  type MaskinportenSimulatorOptions,
} from './maskinporten-simulator.js';
export type { SimulatorStatsView } from './maskinporten-stats.js';
