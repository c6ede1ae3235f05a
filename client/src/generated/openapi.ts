/**
 * Generated from shared/http/openapi.json by `npm run generate -w maskinporten-broker-client`
 * (openapi-typescript). Do not edit: change the document and generate again. A test fails when
 * this file is stale.
 */

export interface paths {
    readonly "/v1/health": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /** Liveness, without calling anything upstream */
        readonly get: operations["getHealth"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/jwks": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The public signing keys to register on the Maskinporten client
         * @description The active key first and, during a rotation, the next key (RFC 7517).
         */
        readonly get: operations["getJwks"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/openapi.json": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * This document
         * @description The machine-readable contract, under the same caller authentication as `GET /v1/health`.
         */
        readonly get: operations["getOpenApi"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/systemuser-changes": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The change requests of the system user of an org (and externalRef)
         * @description Altinn's first list page, filtered to the key; `complete` says whether Altinn had more.
         */
        readonly get: operations["listSystemUserChanges"];
        readonly put?: never;
        /**
         * Ask a customer to change its system user's rights and access packages
         * @description Altinn's `POST systemuser/changerequest/vendor` for the standard system user of (org, externalRef). Idempotent without state: the correlation id is a UUIDv5 of the system, the system user and the change, so the same change gives the same change request (200), whatever its status. After the change request was deleted, the same change gets a new one (201).
         */
        readonly post: operations["createSystemUserChange"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/systemuser-changes/{id}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The change request's id (a UUID: the correlation id the broker derived from the change). */
                readonly id: components["parameters"]["ChangeRequestId"];
            };
            readonly cookie?: never;
        };
        /**
         * A change request by id
         * @description The same rules as a request by id: an id that is unknown, deleted, another vendor's or another system's is the same 404 without detail; one of an org the caller may not see is 403 without the org.
         */
        readonly get: operations["getSystemUserChange"];
        readonly put?: never;
        readonly post?: never;
        /**
         * Delete a change request at Altinn
         * @description Read first; deleted only when it is the broker's system's and the caller may see its org. A DELETE retried after a lost answer reads 404: treat 404 as done.
         */
        readonly delete: operations["deleteSystemUserChange"];
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/systemuser-requests": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * The request for an org (and externalRef)
         * @description Altinn's `byexternalref`; `externalRef` defaults to `org`. Without `type`, the standard route is asked first, then the agent route.
         */
        readonly get: operations["findSystemUserRequest"];
        readonly put?: never;
        /**
         * Ask a customer to approve a system user for the broker's system
         * @description Altinn's `POST systemuser/request/vendor` (or `.../vendor/agent`). Idempotent per (system, org, externalRef): Altinn's existing request is returned with 200 whatever its status (a rejected one too), except one that has timed out (`timedOut`, older than 180 days) and was not accepted: the broker deletes that one and creates a new one, once (201).
         */
        readonly post: operations["createSystemUserRequest"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/systemuser-requests/{id}": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The request id Altinn gave (a UUID). */
                readonly id: components["parameters"]["RequestId"];
            };
            readonly cookie?: never;
        };
        /**
         * A request by id
         * @description The caller must have `systemUserRequests` and may see the request's org; otherwise 403 without the org being named. An id that is unknown, deleted, another vendor's or a request of another of the vendor's systems is the same 404, without detail.
         */
        readonly get: operations["getSystemUserRequest"];
        readonly put?: never;
        readonly post?: never;
        /**
         * Delete a request (standard or agent) at Altinn
         * @description Reads the request first, and deletes it at Altinn only when it is the broker's system's and the caller may see its org (Altinn's own DELETE checks no ownership). Needed before asking again after a rejection that has not timed out. A DELETE retried after a lost answer reads 404: treat 404 as done.
         */
        readonly delete: operations["deleteSystemUserRequest"];
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/systemusers": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        /**
         * Whether an approved system user exists for an org (and externalRef)
         * @description Altinn's `systemuser/vendor/byquery`: the reliable "approved?" check.
         */
        readonly get: operations["getSystemUser"];
        readonly put?: never;
        readonly post?: never;
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
    readonly "/v1/token": {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly get?: never;
        readonly put?: never;
        /**
         * A Maskinporten token (or an Altinn token exchanged from one), from the cache when it can
         * @description Validates the request, checks the caller policy, then answers from the memory cache, the shared cache (DynamoDB), or Maskinporten (one upstream call per key across all instances). See README "HTTP API".
         */
        readonly post: operations["getToken"];
        readonly delete?: never;
        readonly options?: never;
        readonly head?: never;
        readonly patch?: never;
        readonly trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Format: uri
         * @description An absolute `https` URI without a fragment or user information, at most 2048 characters (RFC 8707).
         */
        readonly AudienceUri: string;
        /** @description A change request as the broker answers it: Altinn's status, rights as resource ids, packages as URNs. */
        readonly ChangeRequest: {
            /**
             * Format: uri
             * @description Send it to the customer; absent for `NoChangeNeeded`.
             */
            readonly confirmUrl?: string;
            readonly created?: string;
            readonly externalRef: string;
            /** @description The correlation id the broker derived from the change (Altinn's id for it). */
            readonly id: string;
            readonly partyOrgNo: string;
            readonly redirectUrl?: string;
            /** @description Empty when Altinn's by-externalRef read is the only source (it leaves packages out). */
            readonly requiredAccessPackages: readonly string[];
            readonly requiredRights: readonly string[];
            /**
             * @description Altinn's: `New`, `Accepted`, `Rejected`, or `NoChangeNeeded` (nothing was asked; Altinn stored nothing).
             * @example New
             * @example Accepted
             * @example Rejected
             * @example NoChangeNeeded
             */
            readonly status: string;
            readonly systemId: string;
            readonly systemUserId: string;
            readonly unwantedAccessPackages: readonly string[];
            readonly unwantedRights: readonly string[];
        };
        /** @description What a customer's standard system user should get and lose. Unknown fields are refused. Lists are sets: order and repeats do not matter; an item may not be both required and unwanted. Four empty lists are allowed (Altinn answers `NoChangeNeeded`). */
        readonly ChangeRequestInput: {
            /** @description The system user's externalRef, if it was created with one. Defaults to `org`. */
            readonly externalRef?: components["schemas"]["ExternalRef"];
            /** @description The customer whose system user is changed. */
            readonly org: components["schemas"]["Orgnr"];
            /**
             * Format: uri
             * @description Where Altinn sends the customer after deciding; must match one of the system's `allowedRedirectUrls`. Not part of the change's identity.
             */
            readonly redirectUrl?: string;
            /** @description Access packages the system user should get; each must be on the broker's system and assignable. */
            readonly requiredAccessPackages?: readonly string[];
            /** @description Altinn resource ids the system user should get; each must be a right of the broker's system. */
            readonly requiredRights?: readonly string[];
            /** @description Access packages the system user should lose. */
            readonly unwantedAccessPackages?: readonly string[];
            /** @description Altinn resource ids the system user should lose. */
            readonly unwantedRights?: readonly string[];
        };
        readonly ChangeRequestList: {
            readonly changeRequests: readonly components["schemas"]["ChangeRequest"][];
            /** @description False when Altinn's list had more than its first page, which is all Altinn's list can give (its next link answers the first page again): then the list holds the first page's and Altinn's first by-externalRef match. */
            readonly complete: boolean;
        };
        /** @description Every error answer (RFC 6749 §5.2 style). */
        readonly Error: {
            /** @description What Altinn answered: its status, its `AUTH-nnnnn` code as `error` and its message. */
            readonly altinn_error?: components["schemas"]["UpstreamError"];
            /** @description An RFC 6749 code where one fits (`invalid_request`, `access_denied`, `server_error`, `temporarily_unavailable`), else `not_found`, `method_not_allowed`, `conflict`, or Maskinporten's own code for a refusal. */
            readonly error: string;
            /** @description What went wrong, for a person; never a token, grant, key or secret. */
            readonly error_description: string;
            /** @description What Maskinporten answered, when it answered with an OAuth error (never an HTML page). */
            readonly maskinporten_error?: components["schemas"]["UpstreamError"];
        };
        /** @description Tells apart several system users of one system for one customer; at most 255 characters, no whitespace or control characters, and usable as one URL path segment of Altinn's lookups: not `.` or `..`, and without `/`, `\`, `?`, `#` or `%`. */
        readonly ExternalRef: string;
        readonly Health: {
            /** @constant */
            readonly status: "ok";
        };
        /** @description A public RSA signing key (RFC 7517); never a private member. */
        readonly Jwk: {
            /** @constant */
            readonly alg: "RS256";
            readonly e: string;
            readonly kid: string;
            /** @constant */
            readonly kty: "RSA";
            readonly n: string;
            /** @constant */
            readonly use: "sig";
        };
        readonly JwkSet: {
            readonly keys: readonly components["schemas"]["Jwk"][];
        };
        /** @description This document. */
        readonly OpenApiDocument: {
            readonly components: Record<string, never>;
            readonly info: Record<string, never>;
            readonly openapi: string;
            readonly paths: Record<string, never>;
        };
        /**
         * @description A Norwegian organisation number: 9 digits with a valid MOD11 check digit; the ISO 6523 prefix `0192:` is accepted.
         * @example 910753614
         */
        readonly Orgnr: string;
        /**
         * @description An RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`, at most 256 characters.
         * @example krr:global/kontaktinformasjon.read
         */
        readonly Scope: string;
        readonly SystemUser: {
            readonly created?: string;
            readonly externalRef: string;
            /** @description The `systemuser_id` in the tokens. */
            readonly id: string;
            readonly integrationTitle?: string;
            readonly partyOrgNo: string;
            readonly systemId: string;
            readonly type: components["schemas"]["SystemUserType"];
        };
        readonly SystemUserLookup: {
            /** @constant */
            readonly exists: false;
        } | {
            /** @constant */
            readonly exists: true;
            readonly systemUser: components["schemas"]["SystemUser"];
        };
        /** @description A system-user request as the broker answers it: Altinn's `status` unchanged, and Altinn's 180-day flag `timedOut` beside it (reference §3.3). Whether the customer approved is `GET /v1/systemusers`. */
        readonly SystemUserRequest: {
            readonly accessPackages: readonly string[];
            /**
             * Format: uri
             * @description Send it to the customer; treat it as opaque.
             */
            readonly confirmUrl?: string;
            readonly created?: string;
            readonly externalRef: string;
            readonly id: string;
            readonly integrationTitle?: string;
            readonly partyOrgNo: string;
            readonly redirectUrl?: string;
            readonly rights: readonly string[];
            /**
             * @description Altinn's, unchanged: `New`, `Accepted`, `Rejected`, `Denied` (unused), or a legacy `Timedout` (Altinn no longer writes it).
             * @example New
             * @example Accepted
             * @example Rejected
             * @example Timedout
             */
            readonly status: string;
            readonly systemId: string;
            /** @description True when the request was created more than 180 days ago, whatever its status: an `Accepted` request of a working system user says true from day 180. */
            readonly timedOut: boolean;
            readonly type: components["schemas"]["SystemUserType"];
        };
        /** @description A system-user request. Unknown fields are refused. Agent requests take access packages only (at least one); standard requests at least one right or package. */
        readonly SystemUserRequestInput: {
            /** @description Access package URNs. */
            readonly accessPackages?: readonly string[];
            /** @description Only when the customer needs several system users of this system; every later token request and lookup must repeat it. Defaults to `org`. */
            readonly externalRef?: components["schemas"]["ExternalRef"];
            /** @description The name the customer sees. */
            readonly integrationTitle?: string;
            /** @description The customer. Altinn also checks it exists in the Entity Register. */
            readonly org: components["schemas"]["Orgnr"];
            /**
             * Format: uri
             * @description Where Altinn sends the customer after deciding; must match one of the system's `allowedRedirectUrls`.
             */
            readonly redirectUrl?: string;
            /** @description Altinn resource ids (standard requests only). */
            readonly rights?: readonly string[];
            readonly type: components["schemas"]["SystemUserType"];
        };
        /** @enum {string} */
        readonly SystemUserType: "standard" | "agent";
        /** @description A token request. Unknown fields are refused. */
        readonly TokenRequest: {
            /** @description Sent as `consumer_org` (Altinn scope delegation). Not with `org`. */
            readonly consumerOrg?: components["schemas"]["Orgnr"];
            /**
             * @description Return an Altinn token exchanged from the Maskinporten token.
             * @constant
             */
            readonly exchange?: "altinn";
            /** @description Only with `org`: required when the system user was created with one. */
            readonly externalRef?: components["schemas"]["ExternalRef"];
            /** @description Seconds the returned token must still be valid. Longer than the lifetime Maskinporten gives is a 400. */
            readonly minTtl?: number;
            /** @description The customer org that owns the system user: the grant carries `authorization_details` of type `urn:altinn:systemuser`. Without it, a plain vendor token (the caller policy must allow `vendorTokens`). */
            readonly org?: components["schemas"]["Orgnr"];
            /** @description RFC 8707 audience restriction: one URI or up to 10. */
            readonly resource?: components["schemas"]["AudienceUri"] | readonly components["schemas"]["AudienceUri"][];
            /** @description One to 20 scopes: a space-separated string or a list. Duplicates are removed and the order does not matter. */
            readonly scope: string | readonly components["schemas"]["Scope"][];
            /** @description Fetch a new token and replace the cached one (the caller policy must allow it). */
            readonly skipCache?: boolean;
        };
        /** @description RFC 6749 §5.1. */
        readonly TokenResponse: {
            /** @description The bearer token. Never log it. */
            readonly access_token: string;
            /** @description Seconds the token is still valid, at answer time. */
            readonly expires_in: number;
            /** @description The scopes the token carries, space-separated. */
            readonly scope: string;
            /** @example Bearer */
            readonly token_type: string;
        };
        /** @enum {string} */
        readonly TokenSource: "memory" | "shared" | "maskinporten" | "altinn" | "stale";
        readonly UpstreamError: {
            readonly error?: string;
            /** @description Maskinporten's starts with its `MP-nnn` id. */
            readonly error_description?: string;
            /** @description The upstream HTTP status. */
            readonly status: number;
        };
    };
    responses: {
        /** @description `server_error`: Maskinporten or Altinn rejected the broker's own grant, token or system (a broker fault, not retried). `temporarily_unavailable`: they kept failing (5xx, 429, network) within the deadline; `Retry-After` says when to try again. */
        readonly BadGateway: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly "Retry-After": components["headers"]["RetryAfter"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @enum {unknown} */
                    readonly error?: "server_error" | "temporarily_unavailable";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The request breaks a rule (the description names the field and the rule), or Altinn refused it (`altinn_error`). Nothing upstream is called for a rule the broker checks itself. API Gateway answers a body it refuses the same way. */
        readonly BadRequest: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "invalid_request";
                } & components["schemas"]["Error"];
            };
        };
        /** @description A system user already exists for this (system, org, externalRef) (Altinn AUTH-00004). */
        readonly Conflict: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "conflict";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The caller may not do this: the caller policy (`access_denied`), IAM or the network path in AWS (API Gateway: `access_denied`, or `invalid_request` for an unsigned request or unknown route), or on the local server a `Host` that is not loopback. */
        readonly Forbidden: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @enum {unknown} */
                    readonly error?: "access_denied" | "invalid_request";
                } & components["schemas"]["Error"];
            };
        };
        /** @description No answer from Maskinporten, KMS or Altinn within the broker's deadline (`BROKER_DEADLINE_MS`), with `Retry-After`; API Gateway answers `server_error` when the function itself is too slow. */
        readonly GatewayTimeout: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly "Retry-After": components["headers"]["RetryAfter"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @enum {unknown} */
                    readonly error?: "temporarily_unavailable" | "server_error";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The path exists but not with this method. */
        readonly MethodNotAllowed: {
            headers: {
                readonly Allow: components["headers"]["Allow"];
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "method_not_allowed";
                } & components["schemas"]["Error"];
            };
        };
        /** @description No such endpoint (also the system-user endpoints when the broker has no Altinn system configured), or Altinn does not know the request (`altinn_error`). */
        readonly NotFound: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "not_found";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The body is over 16 KiB. */
        readonly PayloadTooLarge: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "invalid_request";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The broker cannot sign (KMS access denied) or is not configured correctly. Logged as a broker fault. */
        readonly ServerError: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "server_error";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The caller may not have this token (`access_denied`, as for every route), or Maskinporten refused what was asked for and its own `error` is passed on (`invalid_scope`, `invalid_altinn_customer_configuration`, ...) with `maskinporten_error`. */
        readonly TokenForbidden: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    readonly error?: string;
                } & components["schemas"]["Error"];
            };
        };
        /** @description Throttled: by the broker when the caller made more requests that missed the caches than its rule's `maxMissesPerMinute` (cached tokens are still served), or by API Gateway's stage throttle. Retry after `Retry-After`, with backoff. */
        readonly TooManyRequests: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly "Retry-After": components["headers"]["RetryAfterOnThrottle"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "temporarily_unavailable";
                } & components["schemas"]["Error"];
            };
        };
        /** @description The body is not `application/json`. */
        readonly UnsupportedMediaType: {
            headers: {
                readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                readonly [name: string]: unknown;
            };
            content: {
                readonly "application/json": {
                    /** @constant */
                    readonly error?: "invalid_request";
                } & components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description The change request's id (a UUID: the correlation id the broker derived from the change). */
        readonly ChangeRequestId: string;
        /** @description Defaults to `org`, as in Altinn. */
        readonly ExternalRef: components["schemas"]["ExternalRef"];
        /** @description The customer org: 9 digits with a valid MOD11 check digit (`0192:` prefix accepted). */
        readonly Org: components["schemas"]["Orgnr"];
        /** @description The request id Altinn gave (a UUID). */
        readonly RequestId: string;
        /** @description Ask only the standard or only the agent route. */
        readonly Type: components["schemas"]["SystemUserType"];
    };
    requestBodies: never;
    headers: {
        /** @description The methods this path takes. */
        readonly Allow: string;
        /** @description Where the token came from: `memory`, `shared` (DynamoDB), `maskinporten`, `altinn` (freshly exchanged) or `stale` (Maskinporten is failing and a still-valid token inside the refresh margin was served). */
        readonly BrokerTokenSource: components["schemas"]["TokenSource"];
        /** @description Public documents may be cached for five minutes. */
        readonly CacheControlMaxAge: "max-age=300";
        /** @description Nothing the broker says may be stored by a cache. Always sent by the broker; API Gateway's own error answers do not carry it. */
        readonly CacheControlNoStore: "no-store";
        /** @description HTTP/1.0 caches: do not store. */
        readonly PragmaNoCache: "no-cache";
        /** @description Seconds to wait before asking again (RFC 9110 §10.2.3): 1, or as long as Maskinporten asked (at most 300). Sent by the broker with every `temporarily_unavailable`; API Gateway's own 429/502/504 carry none. */
        readonly RetryAfter: string;
        /** @description Seconds to wait before asking again (RFC 9110 §10.2.3). Always sent with a 429: by the broker, the time until the caller's miss budget holds a miss again; by API Gateway's stage throttle, a fixed wait. */
        readonly RetryAfterOnThrottle: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    readonly getHealth: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The broker is up. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["Health"];
                };
            };
            readonly 403: components["responses"]["Forbidden"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getJwks: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The JWK set. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlMaxAge"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["JwkSet"];
                };
            };
            readonly 403: components["responses"]["Forbidden"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getOpenApi: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The OpenAPI 3.1 document. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlMaxAge"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
            readonly 403: components["responses"]["Forbidden"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly listSystemUserChanges: {
        readonly parameters: {
            readonly query: {
                /** @description Defaults to `org`, as in Altinn. */
                readonly externalRef?: components["parameters"]["ExternalRef"];
                /** @description The customer org: 9 digits with a valid MOD11 check digit (`0192:` prefix accepted). */
                readonly org: components["parameters"]["Org"];
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The change requests. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ChangeRequestList"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly createSystemUserChange: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["ChangeRequestInput"];
            };
        };
        readonly responses: {
            /** @description Altinn already has this change request (any status), or nothing was asked (`NoChangeNeeded`). */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ChangeRequest"];
                };
            };
            /** @description A new change request. Send its `confirmUrl` to the customer. */
            readonly 201: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ChangeRequest"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 409: components["responses"]["Conflict"];
            readonly 413: components["responses"]["PayloadTooLarge"];
            readonly 415: components["responses"]["UnsupportedMediaType"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getSystemUserChange: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The change request's id (a UUID: the correlation id the broker derived from the change). */
                readonly id: components["parameters"]["ChangeRequestId"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The change request. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["ChangeRequest"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly deleteSystemUserChange: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The change request's id (a UUID: the correlation id the broker derived from the change). */
                readonly id: components["parameters"]["ChangeRequestId"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Deleted. No body. */
            readonly 204: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly findSystemUserRequest: {
        readonly parameters: {
            readonly query: {
                /** @description Defaults to `org`, as in Altinn. */
                readonly externalRef?: components["parameters"]["ExternalRef"];
                /** @description The customer org: 9 digits with a valid MOD11 check digit (`0192:` prefix accepted). */
                readonly org: components["parameters"]["Org"];
                /** @description Ask only the standard or only the agent route. */
                readonly type?: components["parameters"]["Type"];
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The request. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["SystemUserRequest"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly createSystemUserRequest: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["SystemUserRequestInput"];
            };
        };
        readonly responses: {
            /** @description Altinn already has a request for this key (not timed out, or accepted); it is returned. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["SystemUserRequest"];
                };
            };
            /** @description A new request (possibly replacing a timed-out one the broker deleted). Send its `confirmUrl` to the customer. */
            readonly 201: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["SystemUserRequest"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 409: components["responses"]["Conflict"];
            readonly 413: components["responses"]["PayloadTooLarge"];
            readonly 415: components["responses"]["UnsupportedMediaType"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getSystemUserRequest: {
        readonly parameters: {
            readonly query?: {
                /** @description Ask only the standard or only the agent route. */
                readonly type?: components["parameters"]["Type"];
            };
            readonly header?: never;
            readonly path: {
                /** @description The request id Altinn gave (a UUID). */
                readonly id: components["parameters"]["RequestId"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description The request. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["SystemUserRequest"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly deleteSystemUserRequest: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path: {
                /** @description The request id Altinn gave (a UUID). */
                readonly id: components["parameters"]["RequestId"];
            };
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description Deleted. No body. */
            readonly 204: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content?: never;
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getSystemUser: {
        readonly parameters: {
            readonly query: {
                /** @description Defaults to `org`, as in Altinn. */
                readonly externalRef?: components["parameters"]["ExternalRef"];
                /** @description The customer org: 9 digits with a valid MOD11 check digit (`0192:` prefix accepted). */
                readonly org: components["parameters"]["Org"];
            };
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody?: never;
        readonly responses: {
            /** @description `exists` and, when true, the system user. */
            readonly 200: {
                headers: {
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["SystemUserLookup"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["Forbidden"];
            readonly 404: components["responses"]["NotFound"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
    readonly getToken: {
        readonly parameters: {
            readonly query?: never;
            readonly header?: never;
            readonly path?: never;
            readonly cookie?: never;
        };
        readonly requestBody: {
            readonly content: {
                readonly "application/json": components["schemas"]["TokenRequest"];
            };
        };
        readonly responses: {
            /** @description The token. `expires_in` is its remaining life at answer time. */
            readonly 200: {
                headers: {
                    readonly "Broker-Token-Source": components["headers"]["BrokerTokenSource"];
                    readonly "Cache-Control": components["headers"]["CacheControlNoStore"];
                    readonly Pragma: components["headers"]["PragmaNoCache"];
                    readonly [name: string]: unknown;
                };
                content: {
                    readonly "application/json": components["schemas"]["TokenResponse"];
                };
            };
            readonly 400: components["responses"]["BadRequest"];
            readonly 403: components["responses"]["TokenForbidden"];
            readonly 413: components["responses"]["PayloadTooLarge"];
            readonly 415: components["responses"]["UnsupportedMediaType"];
            readonly 429: components["responses"]["TooManyRequests"];
            readonly 500: components["responses"]["ServerError"];
            readonly 502: components["responses"]["BadGateway"];
            readonly 504: components["responses"]["GatewayTimeout"];
        };
    };
}
