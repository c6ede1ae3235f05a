/** Bad input or configuration for a CLI command: exit code 2, with the message and the usage. */
export class UsageError extends Error {}
