/**
 * A reason not to start that the operator must fix (not a bug): main.ts prints its message as one line,
 * stops what it had started and exits 1.
 */
export class StartupRefusal extends Error {}
