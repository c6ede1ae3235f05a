import { AltinnError, type AltinnVendorApi } from '../../shared/ports/altinn.js';

const notImplemented = async (): Promise<never> => {
  throw new Error('not expected');
};

/** A recorded call: the method's name and its arguments without the trailing deadline. */
export type RecordedCall = [string, ...unknown[]];

/** A fake of Altinn's vendor APIs: every method unexpected unless given; every call recorded. */
export function fakeAltinn(methods: Partial<AltinnVendorApi>): {
  api: AltinnVendorApi;
  calls: RecordedCall[];
} {
  const calls: RecordedCall[] = [];
  const record =
    <A extends unknown[], R>(name: string, fn: ((...args: A) => Promise<R>) | undefined) =>
    async (...args: A): Promise<R> => {
      // The last argument is the request's deadline: recorded calls show what was asked.
      calls.push([name, ...args.slice(0, -1)]);
      return (fn ?? notImplemented)(...args) as Promise<R>;
    };
  const api: AltinnVendorApi = {
    createSystem: record('createSystem', methods.createSystem),
    updateSystem: record('updateSystem', methods.updateSystem),
    getSystem: record('getSystem', methods.getSystem),
    listSystems: record('listSystems', methods.listSystems),
    createRequest: record('createRequest', methods.createRequest),
    getRequest: record('getRequest', methods.getRequest),
    getRequestByExternalRef: record('getRequestByExternalRef', methods.getRequestByExternalRef),
    listRequests: record('listRequests', methods.listRequests),
    deleteRequest: record('deleteRequest', methods.deleteRequest),
    findSystemUser: record('findSystemUser', methods.findSystemUser),
    listSystemUsers: record('listSystemUsers', methods.listSystemUsers),
    createChangeRequest: record('createChangeRequest', methods.createChangeRequest),
    getChangeRequest: record('getChangeRequest', methods.getChangeRequest),
    getChangeRequestByExternalRef: record(
      'getChangeRequestByExternalRef',
      methods.getChangeRequestByExternalRef,
    ),
    firstChangeRequestPage: record('firstChangeRequestPage', methods.firstChangeRequestPage),
    deleteChangeRequest: record('deleteChangeRequest', methods.deleteChangeRequest),
  };
  return { api, calls };
}

/** Altinn's answer with this status and (ProblemDetails) code. */
export const altinnProblem = (status: number, code?: string) =>
  new AltinnError('http', `HTTP ${status}`, {
    status,
    problem: { validationErrors: [], ...(code ? { code } : {}) },
  });
