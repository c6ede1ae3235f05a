/**
 * Maskinporten's token-endpoint errors as the simulator answers them: JSON `{error,
 * error_description}` where the description starts with the `MP-nnn` id. Texts follow Digdir's
 * troubleshooting page; where Digdir documents no id or status, the choice is marked below.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export class MaskinportenRejection extends Error {
  override readonly name = 'MaskinportenRejection';
  readonly status: number;
  readonly error: string;
  /** `MP-nnn`, or the OAuth `error` for transport-level failures that have no MP id. */
  readonly code: string;

  constructor(status: number, error: string, code: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
    this.code = code;
  }

  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

const reject = (error: string, code: string, text: string, detail?: string, status = 400) =>
  new MaskinportenRejection(status, error, code, `${code} ${text}${detail ? ` (${detail})` : ''}`);

/** Unknown `iss`: "Client not found", or a client from another environment. */
export const clientAuthFailed = (detail?: string) =>
  reject('invalid_grant', 'MP-100', 'Invalid assertion. Client authentication failed.', detail);

export const invalidAudience = (detail?: string) =>
  reject('invalid_grant', 'MP-110', 'Invalid assertion. Invalid JWT claim aud.', detail);

/**
 * The key's `exp` (one year after it was posted at Digdir) has passed.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export const expiredKey = (detail?: string) =>
  reject(
    'invalid_grant',
    'MP-121',
    'Invalid assertion. Client authentication failed. Expired key',
    detail,
  );

/** Unknown `kid` or a signature that does not verify against the client's key. */
export const invalidSignature = (detail?: string) =>
  reject('invalid_grant', 'MP-124', 'Invalid assertion. Invalid JWT signature.', detail);

export const jwtExpired = (detail?: string) =>
  reject('invalid_grant', 'MP-130', 'Invalid assertion. JWT is expired.', detail);

/** Digdir lists "Issue time is after now" without an id; the simulator files it under MP-130. */
export const issuedInFuture = (detail?: string) =>
  reject('invalid_grant', 'MP-130', 'Invalid assertion. Issue time is after now.', detail);

export const grantReused = () =>
  reject('invalid_grant', 'MP-012', 'Invalid assertion. Grant is used before.');

/**
 * A JWT Maskinporten cannot accept as a grant: not a JWS, a header other than alg+kid(+typ), an
 * undocumented claim, a claim of the wrong type. Digdir promises only `400` with "Invalid
 * assertion"; the MP-011 id is the simulator's choice.
 */
export const invalidAssertion = (detail: string) =>
  reject('invalid_grant', 'MP-011', 'Invalid assertion. Invalid parameter value.', detail);

/** A well-formed grant with a bad request parameter (`authorization_details`, `resource`, ...). */
export const invalidParameter = (detail: string) =>
  reject('invalid_request', 'MP-011', 'Invalid assertion. Invalid parameter value.', detail);

export const invalidScopes = (detail?: string) =>
  reject('invalid_scope', 'MP-200', 'Token request contains invalid scopes for client', detail);

/**
 * The Altinn system-user lookup failed. Digdir does not document the HTTP status of MP-303; the
 * simulator answers 400 like every other grant error.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_systembruker
 */
export const altinnCustomerConfiguration = (detail?: string) =>
  reject(
    'invalid_altinn_customer_configuration',
    'MP-303',
    'Could not find a system user for the given systemuser_org, externalRef and client.',
    detail,
  );

/**
 * The scope is governed by Altinn and the vendor's system offers nothing that gives it, so no
 * customer can have delegated it: "Consumer has not been granted access to the scope". Digdir
 * files MP-300 under "Forbidden" and documents no status; the simulator answers HTTP 403 with
 * `error: "forbidden"` (the value a captured Maskinporten answer with this text carries).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export const scopeNotGranted = (scope: string) =>
  reject(
    'forbidden',
    'MP-300',
    `Consumer has not been granted access to the scope ${scope}`,
    undefined,
    403,
  );

/**
 * The system offers the scope, but this customer has not given its system user the right or
 * package for it: "Consumer <customer> has not delegated access to the scope <scope> to supplier
 * <vendor>" (HTTP 403 `forbidden`, as MP-300).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export const scopeNotDelegated = (consumer: string, scope: string, supplier: string) =>
  reject(
    'forbidden',
    'MP-301',
    `Consumer ${consumer} has not delegated access to the scope ${scope} to supplier ${supplier}`,
    undefined,
    403,
  );

/** Transport-level failures before any grant is looked at; no MP id is documented for these. */
export const badTokenRequest = (detail: string) =>
  new MaskinportenRejection(400, 'invalid_request', 'invalid_request', detail);

export const unsupportedGrantType = () =>
  new MaskinportenRejection(
    400,
    'unsupported_grant_type',
    'unsupported_grant_type',
    'grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer',
  );
