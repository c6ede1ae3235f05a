/**
 * The sandbox's Altinn: the vendor APIs of `Altinn/altinn-authentication` under
 * `{origin}{basePath}/altinn/authentication/api/v1/`, the customer's pages behind each
 * `confirmUrl`, and the registers behind them. It follows `shared/reference/altinn-vendor-api.md`
 * (the real server's rules at commit `ad4f6f3`, each with its source file); where this sandbox and
 * that reference disagree, the reference wins and the sandbox is wrong.
 *
 * What it simulates:
 * - the system register (`systemregister/vendor...`, §6) and the system users' vendor reads
 *   (`systemuser/vendor/byquery`, `.../bysystem`, §4);
 * - system-user requests, standard and agent (`systemuser/request/vendor...`, §3): create in the
 *   server's exact order of checks, reads, lists, DELETE, and the approval pages
 *   (`/am/accessmanagement/ui/systemuser/request|agentrequest?id=`), where accepting creates the
 *   system user Maskinporten then finds;
 * - change requests (`systemuser/changerequest/vendor...`, §5) and their approval page
 *   (`.../systemuser/changerequest?id=`), where accepting changes the system user's rights and
 *   packages;
 * - the token exchange and Altinn's OpenID metadata (§7);
 * - stand-ins for the registers Altinn consults: the Entity Register (`EntityRegister`, a lookup:
 *   an orgno nobody registered is AUTH-00000 whatever its check digit), the access-package
 *   catalogue (`packageInfo`: `isAssignable`/`isDelegable`, hence AUTH-00064/00065), and which
 *   rights and packages give which Maskinporten scopes (`ResourceRegistry`, for MP-300/301).
 *
 * What it does not:
 * - no end user: anyone with a `confirmUrl` decides, and the approver's own rights are not
 *   checked; the `confirmUrl` is on the sandbox's origin, not `https://am.ui.<host>`;
 * - no client-delegation API (`enduser/systemuser/clients`): an agent's clients are typed on its
 *   approval page; no portal: `AltinnRegistry.deleteSystemUser` plays the customer deleting one;
 * - no Resource Registry beyond the scope map (a right's resource is not checked to exist,
 *   AUTH.VLD-00003/00017); no system-register changelog; `escalated` is never set; nothing runs
 *   concurrently, so two racing POSTs never create two requests here;
 * - `confirmUrl`s, `Location`s and `next` links use the sandbox's own URLs.
 *
 * Quirks of the real server it reproduces on purpose, so the broker is tested against them:
 * - `timedOut` is `created < now − 180 days` on every read, for every status, and `status` is
 *   never rewritten; an old `New` request can still be approved (§3.3);
 * - a repeated POST answers 200 with the vendor's old request whatever its status and age; a
 *   legacy `Timedout` row is skipped, so a new one is created beside it; several rows for a key
 *   are read oldest first (Altinn's `FirstOrDefault` without `ORDER BY`) (§3.2);
 * - `externalRef: ""` is looked up as `""` but stored as the orgno, so it defeats idempotency and
 *   AUTH-00004; AUTH-00004 is HTTP 400 and ignores the vendor (§3.2);
 * - `ValidateExternalRequestId` runs before the vendor check (another vendor learns a key's state
 *   as AUTH-00006..9) and sees standard requests only, also on agent creates (§3.2);
 * - soft-deleted systems are still found by create and reads; reads check the vendor, not the
 *   system; the other type's id is AUTH-00010; DELETE checks no ownership at all (§3.4, §3.5);
 * - request lists skip one request at every page boundary, and agent lists have no order;
 *   the change-request list's `next` answers the first page again; change-request reads by id say
 *   `timedOut: false` and byexternalref drops the package lists (§3.4, §5);
 * - plain framework answers where the server gives them: 403 with no body (`Forbid`), plain 404
 *   from byquery, text bodies for a change request's 400s and the register's 404/400s, a bare 401,
 *   and 500s where the server throws (a relative `redirectUrl`, a value over 255 characters, a
 *   `null` change list, a reused correlation id, a register sub-resource of an unknown system).
 *
 * Where the reference says "inferred" or nothing, the choice made (and said where it is made):
 * - the authentication handler's 401 carries an AUTH-00023 problem and a Bearer challenge, not an
 *   empty body, so clients see one 401 shape; a missing scope is 403 with an empty body;
 * - an agent request with `rights` is refused (Altinn would drop them silently);
 * - the package catalogue: client-relationship packages are delegable, not assignable;
 *   administration packages neither; every other well-formed package assignable, not delegable;
 * - MP-300/301: Maskinporten asks Altinn whether each scope of a system-user grant is given by a
 *   right or package the system user holds (see `../maskinporten/index.ts`);
 * - page size 20 (a captured at22 page; `appsettings.json` says 50), `setPageSize` changes it;
 * - NoChangeNeeded's `created` is .NET's `default(DateTime)`, `0001-01-01T00:00:00`.
 *
 * For tests: `AltinnSimulator.ageRequest` / `setRequestStatus` / `decide` / `decideChange`, the
 * Entity Register on `AltinnRegistry.entityRegister`, the stores' `snapshot()`s, the counters in
 * `stats` (every call by route, e.g. `"DELETE systemuser/request/vendor/{requestId}"`), and the
 * same over HTTP under `{base}/_control/altinn/` (see `altinn-control.ts`).
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/
 * @see https://github.com/Altinn/altinn-authentication
 */

export type { RegisteredSystem, SystemUser } from './altinn-model.js';
export { AltinnRegistry, type ScopeAccess, type SystemUserAccess } from './altinn-registry.js';
export { AltinnSimulator, type AltinnSimulatorOptions } from './altinn-simulator.js';
export type { AltinnStatsView } from './altinn-stats.js';
export { EntityRegister } from './entity-register.js';
export { ResourceRegistry } from './resource-registry.js';
