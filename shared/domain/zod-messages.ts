/**
 * A zod 4 error map: `is required` when the field is missing, else `otherwise`. zod's own message
 * for a missing field ("expected string, received undefined") reads badly to callers.
 */
export const requiredOr = (otherwise: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : otherwise),
});
