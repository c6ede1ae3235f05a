import { STATUS_CODES } from 'node:http';

/**
 * Altinn ProblemDetails in the v5 wire shape of `Altinn.Authorization.ProblemDetails`:
 * `{type: "urn:altinn:error:<CODE>", title, status, code, statusDescription, validationErrors?}`,
 * where a validation error is `{code, title, paths}` inside a `STD-00000` problem. Titles are the
 * descriptor messages of altinn-authentication (`src/Core/Problems/Problem.cs`,
 * `src/Core/Errors/ValidationErrors.cs`).
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export interface AltinnValidationError {
  code: string;
  title: string;
  paths: string[];
}

export interface AltinnProblemBody {
  type: string;
  title: string;
  status: number;
  code?: string;
  statusDescription?: string;
  detail?: string;
  validationErrors?: AltinnValidationError[];
  [extension: string]: unknown;
}

/** ASP.NET's `ClientErrorMapping` links each status to its RFC 9110 section. */
const RFC9110_SECTIONS: Readonly<Record<number, string>> = {
  400: '15.5.1',
  401: '15.5.2',
  403: '15.5.4',
  404: '15.5.5',
  405: '15.5.6',
  406: '15.5.7',
  409: '15.5.10',
  412: '15.5.13',
  415: '15.5.16',
  422: '15.5.21',
  500: '15.6.1',
};

export interface AltinnProblemOptions {
  code?: string;
  validationErrors?: AltinnValidationError[];
  detail?: string;
  extensions?: Record<string, unknown>;
  noBody?: boolean;
  challenge?: boolean;
}

/** Thrown by the simulated vendor APIs; the router turns it into `application/problem+json`. */
export class AltinnProblem extends Error {
  override readonly name = 'AltinnProblem';
  readonly status: number;
  /** `AUTH-000nn` / `STD-00000`, or undefined for plain HTTP problems (401 challenge, 403, 404). */
  readonly code: string | undefined;
  readonly validationErrors: AltinnValidationError[] | undefined;
  readonly detail: string | undefined;
  /** Altinn's extension data (e.g. `NotFoundPackages`), written as extra top-level members. */
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
  /** ASP.NET's `Forbid()`: the status alone, with no body at all. */
  readonly noBody: boolean;
  /** The authentication handler's challenge (a bad or missing token), not a controller's 401. */
  readonly challenge: boolean;

  constructor(status: number, title: string, options: AltinnProblemOptions = {}) {
    super(title);
    this.status = status;
    this.code = options.code;
    this.validationErrors = options.validationErrors;
    this.detail = options.detail;
    this.extensions = options.extensions;
    this.noBody = options.noBody ?? false;
    this.challenge = options.challenge ?? false;
  }

  get body(): AltinnProblemBody {
    const statusDescription = STATUS_CODES[this.status] ?? 'Error';
    if (this.code === undefined) {
      // ASP.NET's own problems for status-code results carry no Altinn code.
      return {
        type: `https://tools.ietf.org/html/rfc9110#section-${RFC9110_SECTIONS[this.status] ?? (this.status >= 500 ? '15.6' : '15.5')}`,
        title: this.message,
        status: this.status,
        ...(this.detail === undefined ? {} : { detail: this.detail }),
        ...this.extensions,
      };
    }
    return {
      type: `urn:altinn:error:${this.code}`,
      title: this.message,
      status: this.status,
      code: this.code,
      statusDescription,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.validationErrors ? { validationErrors: this.validationErrors } : {}),
      ...this.extensions,
    };
  }
}

const problem =
  (code: string, status: number, title: string) => (extensions?: Record<string, string>) =>
    new AltinnProblem(status, title, { code, ...(extensions ? { extensions } : {}) });

/** The AUTH problem descriptors the sandbox answers with. */
export const AUTH = {
  partyNotFound: problem(
    'AUTH-00000',
    400,
    "Can't resolve the Organisation Number from the logged in Reportee PartyId.",
  ),
  rightsNotFound: problem('AUTH-00001', 400, 'One or more Right not found or not delegable.'),
  systemUserExists: problem(
    'AUTH-00004',
    400,
    'Failed to create new SystemUser, existing SystemUser tied to the given System-Id.',
  ),
  externalIdAccepted: problem(
    'AUTH-00006',
    400,
    'The combination of External Ids refer to an already Accepted SystemUser.',
  ),
  externalIdPending: problem(
    'AUTH-00007',
    400,
    'The combination of External Ids refer to a Pending Request, please reuse or delete.',
  ),
  externalIdDenied: problem(
    'AUTH-00008',
    400,
    'The combination of External Ids refer to a Denied Request, please delete and renew the Request.',
  ),
  externalIdRejected: problem(
    'AUTH-00009',
    400,
    'The combination of External Ids refer to a Rejected Request, please delete and renew the Request.',
  ),
  requestNotFound: problem('AUTH-00010', 404, 'The Id does not refer to a Request in our system.'),
  requestNotStored: problem('AUTH-00012', 404, 'An error occured when storing the Request.'),
  requestStatusNotNew: problem('AUTH-00013', 409, 'The Status of the Request is not New.'),
  systemNotFound: problem('AUTH-00011', 404, 'The Id does not refer to a Registered System.'),
  systemUserNotFound: problem('AUTH-00015', 404, 'The SystemUser was not found.'),
  redirectUriNotFound: problem('AUTH-00021', 400, 'The RedirectUri was not found or not valid.'),
  vendorOrgNoNotFound: problem(
    'AUTH-00023',
    401,
    "Can't resolve the Organisation Number for the Vendor from the Token.",
  ),
  wrongRequestType: problem(
    'AUTH-00025',
    400,
    'The request id is valid but its not a valid request for creating an agent system user',
  ),
  noRedirectUris: problem('AUTH-00026', 400, 'No redirect uris are set for the system'),
  missingAccessPackage: problem(
    'AUTH-00058',
    400,
    'No AccessPackages found, an Agent SystemUser must have at least one',
  ),
  missingRightsOrPackages: problem(
    'AUTH-00059',
    400,
    'No AccessPackages or Single Rights found, a SystemUser must have at least one',
  ),
  changeRequestNotNew: problem(
    'AUTH-00061',
    409,
    'The Status of the Request is not New. Please generate a new CorrellationId for a new Change Request',
  ),
  accessPackageNotOnSystem: problem(
    'AUTH-00063',
    400,
    'One or more accesspackage is not found in the referenced system in the System Register.',
  ),
  accessPackageNotAssignable: problem(
    'AUTH-00064',
    400,
    'One or more access packages cannot be delegated. Either they are intended for clients or they cannot be delegated further.',
  ),
  accessPackageNotForClients: problem(
    'AUTH-00065',
    400,
    'One or more access packages cannot be delegated because they are not intended for client relationships',
  ),
} as const;

const vld = (code: string, title: string) => (paths: string[]) => ({ code, title, paths });

/** Field-level validation errors (`AUTH.VLD-000nn`, and the standard `STD.VLD-000nn` ones). */
export const VLD = {
  required: vld('STD.VLD-00000', 'The field is required.'),
  invalidValue: vld('STD.VLD-00002', 'The value provided is invalid.'),
  jsonError: vld(
    'STD.VLD-00017',
    'The JSON value failed to deserialize. Check the JSON format and ensure that the property names match the expected model.',
  ),
  orgIdentifier: vld('AUTH.VLD-00000', 'the org number identifier is not valid ISO6523 identifier'),
  systemIdFormat: vld(
    'AUTH.VLD-00001',
    'The system id does not match the format orgnumber_xxxx...',
  ),
  systemIdExists: vld('AUTH.VLD-00002', 'The system id already exists'),
  clientIdExists: vld(
    'AUTH.VLD-00004',
    'One of the client id is already tagged with an existing system',
  ),
  redirectUrlFormat: vld(
    'AUTH.VLD-00005',
    'One or more of the redirect urls format is not valid. The valid format is https://xxx.xx',
  ),
  duplicateRights: vld('AUTH.VLD-00006', 'One or more duplicate rights found'),
  duplicatePackages: vld('AUTH.VLD-00007', 'One or more duplicate access package(s) found'),
  packageNotValid: vld(
    'AUTH.VLD-00008',
    "One or all the accesspackage(s) is not found in altinn's access packages or is not delegable",
  ),
  resourceIdFormat: vld(
    'AUTH.VLD-00009',
    'One or more resource id is in wrong format. The valid format is urn:altinn:resource',
  ),
  duplicateClientIds: vld('AUTH.VLD-00011', 'Request contains duplicate client ids'),
  systemIdMismatch: vld(
    'AUTH.VLD-00012',
    'The system ID in the request body does not match the system ID in the URL',
  ),
  systemIdSpaces: vld(
    'AUTH.VLD-00013',
    'System ID cannot have spaces in id (leading, trailing or in between the id)',
  ),
  clientPackageVisible: vld(
    'AUTH.VLD-00018',
    "Access packages meant for system user for client relations can't be used in combination with the flag isVisible: true",
  ),
} as const;

/** A `STD-00000` problem wrapping field-level validation errors. */
export function validationProblem(errors: AltinnValidationError[]): AltinnProblem {
  return new AltinnProblem(400, 'One or more validation errors occurred.', {
    code: 'STD-00000',
    validationErrors: errors,
  });
}

/** A plain HTTP problem without an Altinn code (what ASP.NET answers for 403/404/405...). */
export const httpProblem = (status: number, detail?: string) =>
  new AltinnProblem(
    status,
    STATUS_CODES[status] ?? 'Error',
    detail === undefined ? {} : { detail },
  );

/** ASP.NET's `ValidationProblem(ModelState)`: `{title, status, errors: {key: [messages]}}`. */
export const modelStateProblem = (errors: Record<string, string[]>) =>
  new AltinnProblem(400, 'One or more validation errors occurred.', { extensions: { errors } });

/** ASP.NET's `Forbid()`: 403 and no body (reference §1 "Scope", §6). */
export const forbidden = () => new AltinnProblem(403, 'Forbidden', { noBody: true });

/**
 * An unhandled exception in the real server (a relative `redirectUrl`, a value too long for its
 * `varchar(255)` column): a 500 the sandbox reproduces so a client sees it here first.
 */
export const serverError = (detail: string) => httpProblem(500, detail);
