import { randomUUID } from 'node:crypto';

/** One entry of `ApiErrorResponse.errors` (AO spec `ApiError`). */
export interface ApiError {
  errorMessage: string;
  isFieldError: boolean;
  objectName: string;
  fieldIdentifier: string;
}

/** Digdir's error body for the self-service API (AO spec `ApiErrorResponse`). */
export interface ApiErrorResponse {
  status: number;
  timestamp: string;
  correlation_id: string;
  error: string;
  error_description: string;
  errors: ApiError[];
}

/**
 * An answer the simulated self-service API refuses with. Digdir documents the statuses (400, 403,
 * 404, 409, 500, 503) and the body, not the `error` codes, so the codes here are the sandbox's
 * choice; clients are told to match on status. A 401 is not in the spec either (FD `sjolv_api`
 * only has an FAQ title); the sandbox adds `WWW-Authenticate: Bearer` as RFC 6750 does.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export class SelfServiceRefusal extends Error {
  override readonly name = 'SelfServiceRefusal';
  readonly status: number;
  readonly error: string;
  readonly errors: ApiError[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    error: string,
    description: string,
    options: { errors?: ApiError[]; headers?: Record<string, string> } = {},
  ) {
    super(description);
    this.status = status;
    this.error = error;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }

  body(now: number): ApiErrorResponse {
    return {
      status: this.status,
      timestamp: new Date(now).toISOString(),
      correlation_id: randomUUID(),
      error: this.error,
      error_description: this.message,
      errors: this.errors,
    };
  }
}

export const fieldError = (field: string, message: string): ApiError => ({
  errorMessage: message,
  isFieldError: true,
  objectName: 'jwks',
  fieldIdentifier: field,
});

export const badRequest = (description: string, errors: ApiError[] = []) =>
  new SelfServiceRefusal(400, 'invalid_request', description, { errors });

export const unauthorized = (description: string) =>
  new SelfServiceRefusal(401, 'invalid_token', description, {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

export const forbidden = (description: string) =>
  new SelfServiceRefusal(403, 'access_denied', description);

export const notFound = (description: string) =>
  new SelfServiceRefusal(404, 'not_found', description);

export const conflict = (description: string, errors: ApiError[] = []) =>
  new SelfServiceRefusal(409, 'conflict', description, { errors });
