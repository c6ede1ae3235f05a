import type { KMSClient } from '@aws-sdk/client-kms';
import {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyResult,
  fromApiGatewayEvent,
  toApiGatewayResult,
} from '../../shared/adapters/http/apigateway-event.js';
import {
  claimsRefreshEvent,
  type RefreshEvent,
} from '../../shared/adapters/lambda/refresh-event.js';
import { createTokenSealer } from '../../shared/adapters/sealing/create-token-sealer.js';
import { createKmsSigningKeySet } from '../../shared/adapters/signing/signing-key-spec.js';
import { RefreshingCallerPolicy } from '../../shared/app/refreshing-policy.js';
import {
  isDeployedEnvironment,
  LAMBDA_DEADLINE_MARGIN_MS,
  loadEnvConfig,
  requireUpstreamConfig,
} from '../../shared/config/env-config.js';
import { ENV } from '../../shared/config/env-names.js';
import { OBSOLETE_POLICY_WARNING, parseSecretConfig } from '../../shared/config/secret-config.js';
import { type CallerPolicy, DENY_ALL } from '../../shared/domain/caller-policy.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { toErrorResponse } from '../../shared/http/error-response.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { BrokerMetrics } from '../../shared/ports/metrics.js';
import type { ParameterStore } from '../../shared/ports/parameter-store.js';
import type { RefreshScheduler } from '../../shared/ports/refresh-scheduler.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import type { SharedTokenCache } from '../../shared/ports/token-cache.js';
import { type BrokerRuntime, composeBroker } from '../../shared/runtime/compose-broker.js';
import { createEventGate, type EventGate } from './event-gate.js';
import { type RefreshAnswer, runRefreshEvent } from './refresh-event-handler.js';

export interface LambdaDependencies {
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  secrets: SecretStore;
  /** Where the caller policy is read from (`BROKER_POLICY_PARAMETER`, SSM in AWS). */
  parameters: ParameterStore;
  kmsClient: () => KMSClient;
  /** The DynamoDB token cache for the configured table, if there is one. */
  sharedCache?: (tableName: string) => SharedTokenCache;
  fetch?: typeof fetch;
  /** Where refreshes ahead run: in Lambda, an asynchronous invocation of the function itself. */
  refreshScheduler?: RefreshScheduler;
}

/** The composed broker, with the policy brought up to date before each request. */
export type LambdaRuntime = BrokerRuntime;

/**
 * The check every API Gateway event passes first, from the Lambda's environment alone: a forged
 * event is refused before the broker is built (no secret, parameter or KMS read on its behalf).
 */
export function createLambdaGate(
  deps: Pick<LambdaDependencies, 'env' | 'logger' | 'metrics'>,
): EventGate {
  const config = loadEnvConfig(deps.env);
  return createEventGate(config, isDeployedEnvironment(deps.env), deps.logger, deps.metrics);
}

/**
 * Builds the broker from the Lambda's environment, secret and policy parameter, once per
 * container. In AWS the policy is deny-by-default: without `BROKER_POLICY_PARAMETER` nobody gets
 * anything; with it, warm instances read it again every minute (see {@link RefreshingCallerPolicy}).
 */
export async function createLambdaRuntime(deps: LambdaDependencies): Promise<LambdaRuntime> {
  const config = loadEnvConfig(deps.env);
  const deployed = isDeployedEnvironment(deps.env);
  if (!config.configSecret)
    throw new TypeError(`missing required environment variable: ${ENV.configSecret}`);
  const secret = parseSecretConfig(
    await deps.secrets.getJson(config.configSecret),
    config.configSecret,
  );
  if (secret.obsoletePolicy) deps.logger.warn(OBSOLETE_POLICY_WARNING);
  const upstream = requireUpstreamConfig({ ...config, clientId: secret.clientId });
  const policy = await callerPolicy(config.policyParameter, deps);
  const next = config.signingKeyNext;
  const keys = await createKmsSigningKeySet({
    active: { spec: upstream.signingKey.spec, kid: secret.kid ?? upstream.signingKey.kid },
    next: next && { spec: next.spec, kid: secret.kidNext ?? next.kid },
    kmsClient: deps.kmsClient,
  });
  const table = config.tokenCacheTable;
  const sharedCache = table ? deps.sharedCache?.(table) : undefined;
  if (table && sharedCache && !config.tokenCacheKmsKey) {
    // Derived from the signing key, whoever may sign (the ops role) could open the table's tokens.
    if (deployed) {
      throw new TypeError(
        `missing required environment variable in a deployed environment: ${ENV.tokenCacheKmsKey} (with ${ENV.tokenCacheTable})`,
      );
    }
    deps.logger.warn('cached tokens are sealed with a key derived from the signing key', {
      missing: ENV.tokenCacheKmsKey,
    });
  }
  const tokenSealer =
    table && sharedCache
      ? await createTokenSealer({
          table,
          kmsKeyId: config.tokenCacheKmsKey,
          kmsClient: deps.kmsClient,
          signer: keys.active,
          clock: deps.clock,
        })
      : undefined;
  const runtime = composeBroker(
    {
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      policy,
      deadlineMs: config.deadlineMs,
      altinnPlatformUrl: config.altinnPlatform,
      systemId: secret.systemId ?? config.systemId,
      refusalCacheSeconds: config.refusalCacheSeconds,
    },
    {
      keys,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      sharedCache,
      tokenSealer,
      fetch: deps.fetch,
      refreshScheduler: deps.refreshScheduler,
    },
  );
  deps.logger.info('broker ready', {
    environment: config.environment,
    issuer: upstream.issuer,
    kid: keys.active.kid,
    sharedCache: Boolean(sharedCache),
    tokenSeal: tokenSealer && (config.tokenCacheKmsKey ? 'kms' : 'derived'),
    policyRules: policy.rules.length,
  });
  return policy instanceof RefreshingCallerPolicy
    ? refreshingPolicyFirst(runtime, policy, deps.clock)
    : runtime;
}

/** The policy in the parameter, or none at all (every request denied) without one. */
async function callerPolicy(
  parameter: string | undefined,
  deps: LambdaDependencies,
): Promise<CallerPolicy> {
  if (!parameter) {
    deps.logger.warn(
      `no caller policy configured (${ENV.policyParameter}): every request is denied`,
    );
    return DENY_ALL;
  }
  return RefreshingCallerPolicy.load({
    read: () => deps.parameters.getText(parameter),
    source: `SSM parameter ${parameter}`,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}

/**
 * The runtime with the policy brought up to date before each request. The request counts as
 * received before the wait, so the wait comes off its deadline (`receivedAt`) and the answer still
 * comes within `BROKER_DEADLINE_MS`.
 */
function refreshingPolicyFirst(
  runtime: BrokerRuntime,
  policy: RefreshingCallerPolicy,
  clock: Clock,
): BrokerRuntime {
  const { api } = runtime;
  return {
    ...runtime,
    api: async (request) => {
      request.receivedAt ??= clock();
      await policy.refresh();
      return api(request);
    },
  };
}

/**
 * The proxy handler over a runtime that is built on first use and reused while the container
 * lives. Every API Gateway event passes `gate` first, before the runtime is built or anything is
 * read from the event. A failed start answers 500 and is retried on the next invocation (the
 * secret may have been fixed); it never serves a request without its policy.
 */
export function createProxyHandler(
  init: () => Promise<LambdaRuntime>,
  logger: BrokerLogger,
  gate: () => EventGate,
): ProxyHandler {
  let runtime: Promise<LambdaRuntime> | undefined;
  let checkEvent: EventGate | undefined;
  const notStarted = (error: unknown) => {
    logger.error('broker failed to start', {
      reason: error instanceof Error ? error.message : String(error),
    });
    return toApiGatewayResult(
      toErrorResponse(new BrokerError('internal', 'the broker is not configured correctly')),
    );
  };
  return async function proxyHandler(
    event: ApiGatewayProxyEvent | RefreshEvent,
    context?: LambdaTime,
  ): Promise<ApiGatewayProxyResult | RefreshAnswer> {
    // The function's own refresh-ahead invocation is not an API Gateway event: it is accepted only
    // in its own exact shape, runs only a refresh and never answers a token (refresh-event.ts).
    const refresh = claimsRefreshEvent(event);
    if (!refresh) {
      try {
        checkEvent ??= gate();
      } catch (error) {
        return notStarted(error);
      }
      const refused = checkEvent(event as ApiGatewayProxyEvent);
      if (refused) return refused;
    }
    runtime ??= init();
    let ready: LambdaRuntime;
    try {
      ready = await runtime;
    } catch (error) {
      runtime = undefined;
      return notStarted(error);
    }
    if (refresh) return runRefreshEvent(ready, event as RefreshEvent, timeLimit(context), logger);
    const request = fromApiGatewayEvent(event as ApiGatewayProxyEvent);
    // The invocation's own end bounds the request's deadline (the start above may have taken time).
    request.timeLimitMs = timeLimit(context);
    return toApiGatewayResult(await ready.api(request));
  } as ProxyHandler;
}

/** An API Gateway event gets an API Gateway result; a refresh event gets its outcome, no token. */
export interface ProxyHandler {
  (event: ApiGatewayProxyEvent, context?: LambdaTime): Promise<ApiGatewayProxyResult>;
  (event: RefreshEvent, context?: LambdaTime): Promise<RefreshAnswer>;
}

/** The part of the Lambda context the handler reads. */
export interface LambdaTime {
  getRemainingTimeInMillis(): number;
}

function timeLimit(context: LambdaTime | undefined): number | undefined {
  return context && context.getRemainingTimeInMillis() - LAMBDA_DEADLINE_MARGIN_MS;
}
