import type { TokenRequest } from '../domain/token-request.js';

/**
 * Where a refresh ahead runs. The broker asks for one when it serves a token that is inside its
 * refresh window (`isInRefreshWindow`); the refresh itself is `BrokerService.refreshAhead`,
 * wherever it runs. Without a scheduler the broker runs it in its own process, in the background
 * (the local server, the tests). In Lambda, work after the response is not reliable (the sandbox
 * is frozen), so the Lambda shell hands it to an asynchronous invocation of the function itself.
 */
export interface RefreshScheduler {
  /**
   * Hands the refresh of `request`'s token off; resolves once it is handed off, not when it is
   * done, and never rejects (a refresh that could not be handed off is logged: the token is still
   * served until its margin, and the request after that fetches as on any miss).
   */
  schedule(request: TokenRequest): Promise<void>;
}
