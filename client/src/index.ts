export {
  type BrokerClient,
  type BrokerClientOptions,
  type BrokerClientStats,
  type BrokerToken,
  createBrokerClient,
  type ErrorBody,
  type GetTokenOptions,
  type TokenRequest,
  type TokenResponse,
  type TokenSource,
} from './broker-client.js';
export { type Clock, systemClock } from './clock.js';
export type { SigningMode } from './endpoint.js';
export {
  BrokerClientError,
  type BrokerClientErrorCode,
  BrokerConnectionError,
  BrokerProtocolError,
  BrokerResponseError,
  BrokerSigningError,
  BrokerTimeoutError,
  type UpstreamError,
} from './errors.js';
export type { CredentialsOption } from './request-signer.js';
export { reuseMarginMs } from './token-cache.js';
