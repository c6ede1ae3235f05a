/** Milliseconds since the Unix epoch. Injected so the domain and the app never read the wall clock. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
