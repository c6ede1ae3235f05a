import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The AWS SDK's default credential chain, as the Lambda bundle has it: the environment only.
 *
 * Lambda hands a function its execution role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, which is the first link of the SDK's chain
 * (`@aws-sdk/credential-provider-node`); the other links (SSO, shared ini files, web identity,
 * process, container and instance metadata) and the STS, SSO and sign-in clients they bring are
 * dead code there, about 100 KB of the bundle and of every cold start's parse. The bundler swaps
 * this module in for `@aws-sdk/credential-provider-node` (an esbuild alias in
 * `infra/constructs/broker-function.ts`); the local server and the ops CLIs keep the full chain.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
