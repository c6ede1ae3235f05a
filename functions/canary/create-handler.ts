import { ENV } from '../../shared/config/env-names.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { BrokerMetrics } from '../../shared/ports/metrics.js';
import { runSmokeChecks, type Signer, type SmokeTarget } from './smoke-checks.js';

export interface CanaryDependencies {
  env: Readonly<Record<string, string | undefined>>;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  signer: Signer;
  fetch?: typeof fetch;
}

/** What a run returns (visible in a console test invocation); never a token. */
export interface CanarySummary {
  ok: boolean;
  checks: number;
  failed: number;
}

/** `{api-id}-{vpce-id}.execute-api...`: the VPC endpoint a base URL goes through. */
const ENDPOINT_HOST = /^[a-z0-9]+-(vpce-[0-9a-f]+)\.execute-api\./;

/**
 * The scheduled canary: the smoke checks of `npm run smoke` (health and a smoke-scope token through
 * every VPC endpoint), signed with the canary's own role. One log line per check and one per run;
 * `CanarySuccess` (1 or 0) and `CanaryFailures` per run. A run that cannot even start (bad
 * configuration) counts as a failed run: the alarm must not go quiet because the canary broke.
 */
export function createCanaryHandler(deps: CanaryDependencies) {
  return async function canary(): Promise<CanarySummary> {
    const scope = deps.env[ENV.smokeScope];
    const targets = (deps.env[ENV.brokerUrls] ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url.length > 0)
      .map(toTarget);
    if (!scope || targets.length === 0) {
      deps.logger.error('canary is not configured', {
        missing: [!scope && ENV.smokeScope, targets.length === 0 && ENV.brokerUrls].filter(Boolean),
      });
      deps.metrics.count('CanarySuccess', 0);
      deps.metrics.count('CanaryFailures', 1);
      return { ok: false, checks: 0, failed: 1 };
    }
    const report = await runSmokeChecks({
      targets,
      scope,
      signer: deps.signer,
      fetch: deps.fetch,
    });
    for (const result of report.results) {
      if (result.ok) deps.logger.info(`canary ${result.check} passed`, { ...result });
      else deps.logger.error(`canary ${result.check} failed`, { ...result });
    }
    const failed = report.results.filter((result) => !result.ok).length;
    deps.metrics.count('CanarySuccess', report.ok ? 1 : 0);
    deps.metrics.count('CanaryFailures', failed);
    deps.logger.info('canary run', { ok: report.ok, checks: report.results.length, failed });
    return { ok: report.ok, checks: report.results.length, failed };
  };
}

function toTarget(baseUrl: string): SmokeTarget {
  const host = URL.canParse(baseUrl) ? new URL(baseUrl).hostname : '';
  return { name: ENDPOINT_HOST.exec(host)?.[1] ?? baseUrl, baseUrl };
}
