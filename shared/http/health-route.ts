import { jsonResponse } from './responses.js';
import type { Route } from './router.js';

/** `GET /v1/health`: the broker is up (it checks nothing behind it). */
export const healthRoute: Route = {
  method: 'GET',
  path: '/v1/health',
  handler: async () => jsonResponse(200, { status: 'ok' }),
};
