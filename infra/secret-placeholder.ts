/**
 * The value CloudFormation writes once into the configuration secret. Ops replace it (client id,
 * optional systemId, kid and kidNext) with `aws secretsmanager put-secret-value`; CloudFormation
 * never touches it again as long as this placeholder is unchanged. Do not edit it: a changed
 * template value would overwrite what ops stored. It is deliberately invalid (empty client id), so a
 * broker started before ops fill it in fails its cold start instead of running unconfigured, and
 * `npm run preflight` recognises it. Kept apart from the construct so the ops commands can read it
 * without aws-cdk-lib.
 */
export const SECRET_PLACEHOLDER = { clientId: '', policy: {} } as const;
