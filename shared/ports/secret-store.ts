/** Reads secret configuration (Secrets Manager in AWS). Values never reach logs or errors. */
export interface SecretStore {
  /** The secret parsed as JSON. Throws if it is missing or not JSON. */
  getJson(name: string): Promise<unknown>;
}
