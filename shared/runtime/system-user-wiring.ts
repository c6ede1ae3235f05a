import { SystemUserService } from '../app/system-user-service.js';
import type { CallerPolicy } from '../domain/caller-policy.js';
import type { Route } from '../http/router.js';
import { createSystemUserRoutes } from '../http/system-user-routes.js';
import type { Clock } from '../ports/clock.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { RuntimeParts } from './broker-runtime.js';

export interface SystemUserWiring {
  /** The broker's system in Altinn's register; without it the endpoints are off. */
  systemId?: string;
  policy: CallerPolicy;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
}

/**
 * The runtime's `routes` option for the system-user endpoints, shared by the local server and the
 * Lambda. Without an Altinn platform or a system id they are not served (404), and the start says why.
 */
export function systemUserRoutes(
  wiring: SystemUserWiring,
): (parts: RuntimeParts) => readonly Route[] {
  return ({ altinn }) => {
    const { systemId, logger } = wiring;
    if (!altinn || !systemId) {
      logger.info('system-user endpoints are off', {
        reason: altinn ? 'ALTINN_SYSTEM_ID is not set' : 'ALTINN_PLATFORM_URL is not set',
      });
      return [];
    }
    return createSystemUserRoutes({
      systemUsers: new SystemUserService({ altinn, systemId }),
      policy: wiring.policy,
    });
  };
}
