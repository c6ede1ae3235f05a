/**
 * A stand-in for the part of Altinn's Resource Registry that Maskinporten consults for a
 * system-user token: which resource rights, and which access packages, give access to a
 * Maskinporten scope. A scope that no resource or package lists here is not governed by Altinn,
 * and Maskinporten issues it to any system user of a client that has it (as the sandbox always
 * did). A governed scope needs the system user to hold one of the rights or packages listed for
 * it: see `AltinnRegistry.scopeAccess` and Maskinporten's MP-300/MP-301.
 *
 * @see https://docs.altinn.studio/authorization/what-do-you-get/resourceregistry/
 */
export class ResourceRegistry {
  readonly #byResource = new Map<string, Set<string>>();
  readonly #byPackage = new Map<string, Set<string>>();

  /** The resource (a right's `urn:altinn:resource` value) gives access to these scopes. */
  defineResource(resourceId: string, scopes: string[]): void {
    this.#byResource.set(
      resourceId,
      new Set([...(this.#byResource.get(resourceId) ?? []), ...scopes]),
    );
  }

  /** The access package gives access to these scopes. */
  definePackage(packageUrn: string, scopes: string[]): void {
    this.#byPackage.set(
      packageUrn,
      new Set([...(this.#byPackage.get(packageUrn) ?? []), ...scopes]),
    );
  }

  /** The resources and packages that give `scope`; both empty when Altinn does not govern it. */
  sourcesOf(scope: string): { resources: Set<string>; packages: Set<string> } {
    const pick = (map: Map<string, Set<string>>) =>
      new Set([...map].filter(([, scopes]) => scopes.has(scope)).map(([id]) => id));
    return { resources: pick(this.#byResource), packages: pick(this.#byPackage) };
  }
}
