/**
 * The service name and metric namespace: the handler emits under them and infra's dashboard and
 * alarms read them, so they are defined once, here, where both can import them.
 */
export const SERVICE_NAME = 'maskinporten-broker';
export const METRIC_NAMESPACE = 'MaskinportenBroker';

/**
 * Names of every environment variable the broker reads. Infra sets them from these constants, the
 * local server and the Lambda read them through `loadEnvConfig`, and the README table lists them.
 */
export const ENV = {
  /** Maskinporten issuer, e.g. `https://test.maskinporten.no/`. Unset locally: sandbox mode. */
  issuer: 'MASKINPORTEN_ISSUER',
  /** The Maskinporten client id (`iss` of every grant). */
  clientId: 'MASKINPORTEN_CLIENT_ID',
  /** Active signing key: `file:<path to PKCS#8 PEM or private JWK>` or `kms:<key id, ARN or alias>`. */
  signingKey: 'SIGNING_KEY',
  /** Optional `kid` for the active key; else the JWK's own `kid`, else the RFC 7638 thumbprint. */
  signingKid: 'SIGNING_KID',
  /** Optional next key during rotation: published in the JWKS, never used for signing. */
  signingKeyNext: 'SIGNING_KEY_NEXT',
  /** Optional `kid` for the next key. */
  signingKidNext: 'SIGNING_KID_NEXT',
  /** Altinn platform base, e.g. `https://platform.tt02.altinn.no`. */
  altinnPlatform: 'ALTINN_PLATFORM_URL',
  /** The broker's system in Altinn's register, `<vendor orgno>_<name>` (system-user requests). */
  altinnSystemId: 'ALTINN_SYSTEM_ID',
  /** Name of the DynamoDB token-cache table. Unset: memory-only cache. */
  tokenCacheTable: 'TOKEN_CACHE_TABLE',
  /** Caller policy file (local server). Set but blank is an error. */
  policyFile: 'BROKER_POLICY_FILE',
  /** Secrets Manager secret (name or ARN) with the client configuration (Lambda). */
  configSecret: 'BROKER_CONFIG_SECRET',
  /**
   * Lambda: ARN of the symmetric KMS key that seals cached tokens: AES-256-GCM under a data key from
   * `GenerateDataKey` with encryption context `{"purpose":"maskinporten-broker/token-cache",
   * "table":"<TOKEN_CACHE_TABLE>"}` (the key policy admits no other context).
   */
  tokenCacheKmsKey: 'TOKEN_CACHE_KMS_KEY',
  /**
   * Lambda: name of the SSM String parameter (`/maskinporten-broker/<env>/caller-policy`) holding
   * the caller policy as JSON, `{"rules":[...]}` in the format `parsePolicy` reads. Read at start
   * and again by the first request after it is 60 s old.
   */
  policyParameter: 'BROKER_POLICY_PARAMETER',
  /**
   * Seconds a Maskinporten refusal of what was asked (invalid scope, MP-2xx/3xx) is answered from
   * memory per cache key, so repeating it does not reach Maskinporten (default 30, 0 turns it off).
   */
  refusalCacheSeconds: 'BROKER_REFUSAL_CACHE_SECONDS',
  /** Lambda: the REST API id events must come from (`requestContext.apiId`). */
  apiId: 'BROKER_API_ID',
  /** Lambda: the API stage events must come from (`requestContext.stage`). */
  apiStage: 'BROKER_API_STAGE',
  /**
   * Lambda: comma-separated execute-api VPC endpoint ids (`vpce-…,vpce-…`) events must arrive
   * through (`requestContext.identity.vpceId`).
   */
  vpcEndpointIds: 'BROKER_VPC_ENDPOINT_IDS',
  /** Environment name used as the `environment` metric dimension: `local`, `test`, `prod`. */
  environment: 'BROKER_ENVIRONMENT',
  /** Overall deadline for one token request in milliseconds (default 6000). */
  deadlineMs: 'BROKER_DEADLINE_MS',
  /** Sandbox mode: lifetime in seconds of the tokens the simulated Maskinporten issues (default 120). */
  sandboxTokenLifetime: 'SANDBOX_TOKEN_LIFETIME_SECONDS',
  /** Local server port (default 8080) and host (default 127.0.0.1). */
  port: 'PORT',
  host: 'HOST',
} as const;
