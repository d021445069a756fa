/**
 * `true` when A and B are mutually assignable and have the same keys (optional ones included): pins a zod
 * schema's type to the interface the code uses, so the published contract can't drift from the code.
 */
export type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? true
        : false
      : false
    : false
  : false;
