/** Reads configuration that is not secret (SSM Parameter Store in AWS). */
export interface ParameterStore {
  /** The parameter's value as it is now (never a cached copy); throws if it cannot be read. */
  getText(name: string): Promise<string>;
}
