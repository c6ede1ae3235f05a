import { isValidOrgnr } from '../../domain/orgnr.js';

/** An organisation the register knows. */
export interface RegisteredOrganisation {
  orgNo: string;
  name: string;
}

/**
 * The sandbox's Entity Register (Enhetsregisteret, ER): the organisations that exist. Altinn looks
 * a request's `partyOrgNo` up here and answers 400 AUTH-00000 when it is not found; it does not
 * judge the number by its check digit (reference §3.2 step 4.4, `Svc/RequestSystemUserService.cs:319-333`;
 * the same for change requests, §5 step 8.3). So a well-formed orgno that nobody registered is
 * refused here too.
 *
 * It starts empty. Organisations are added one by one (`add`, the control API's
 * `POST {base}/_control/altinn/organisations`, or the sandbox's `altinn.organisations` option),
 * or as a block: `addBlock('31')` makes every orgno with a valid check digit that starts with
 * `31` exist, which is how the demo stands in for the synthetic Tenor organisations that
 * populate TT02's register. An orgno with an invalid check digit never exists.
 */
export class EntityRegister {
  readonly #organisations = new Map<string, string>();
  readonly #blocks = new Set<string>();

  /** Adds (or renames) one organisation; the orgno must be 9 digits with a valid check digit. */
  add(orgNo: string, name = `Organisasjon ${orgNo}`): RegisteredOrganisation {
    if (!isValidOrgnr(orgNo)) throw new Error(`not an organisation number: ${orgNo}`);
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) throw new Error('name must be 1..200 characters');
    this.#organisations.set(orgNo, trimmed);
    return { orgNo, name: trimmed };
  }

  /** Every valid orgno starting with `prefix` (1 to 8 digits) exists from now on. */
  addBlock(prefix: string): void {
    if (!/^\d{1,8}$/.test(prefix)) throw new Error('a block is 1 to 8 leading digits');
    this.#blocks.add(prefix);
  }

  has(orgNo: string): boolean {
    if (this.#organisations.has(orgNo)) return true;
    if (!isValidOrgnr(orgNo)) return false;
    return [...this.#blocks].some((prefix) => orgNo.startsWith(prefix));
  }

  get(orgNo: string): RegisteredOrganisation | undefined {
    if (!this.has(orgNo)) return undefined;
    return { orgNo, name: this.#organisations.get(orgNo) ?? `Organisasjon ${orgNo}` };
  }

  /** The organisations added one by one (blocks are not listed), and the blocks. */
  snapshot(): { organisations: RegisteredOrganisation[]; blocks: string[] } {
    return {
      organisations: [...this.#organisations].map(([orgNo, name]) => ({ orgNo, name })),
      blocks: [...this.#blocks],
    };
  }
}
