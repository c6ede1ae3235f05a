/**
 * The response header in which the broker says where a token came from (`Broker-Token-Source` in
 * its OpenAPI document; header names are case-insensitive). The broker's own constant is
 * `TOKEN_SOURCE_HEADER` in `shared/http/token-route.ts`: this package is published on its own and
 * does not import the broker, so a test in the broker's suite keeps the two equal.
 */
export const TOKEN_SOURCE_HEADER = 'broker-token-source';
