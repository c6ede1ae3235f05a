import type { CallerIdentity } from '../domain/caller-policy.js';

/** One HTTP request as the broker API sees it, whether from node:http or API Gateway. */
export interface ApiRequest {
  method: string;
  /** Path without the query string or the API Gateway stage. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Raw body bytes; `undefined` when there is none. */
  body?: Uint8Array;
  /** True when the transport stopped reading because the body was over the limit. */
  bodyTooLarge?: boolean;
  caller?: CallerIdentity;
  requestId?: string;
  /**
   * How long the transport itself can wait for this answer, if it is bounded (Lambda: the
   * invocation's remaining time less a margin); the request's deadline is never later.
   */
  timeLimitMs?: number;
  /**
   * When the request arrived (the clock's ms), if work ran before it reached the API (the Lambda's
   * policy refresh): the deadline and the audit line's latency count from here. Default: now.
   */
  receivedAt?: number;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The broker's HTTP contract. A request answered without waiting (a memory hit) is answered
 * synchronously; transports write a plain answer at once and await a promised one.
 */
export type ApiHandler = (request: ApiRequest) => ApiResponse | Promise<ApiResponse>;

/** Request bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 16 * 1024;
