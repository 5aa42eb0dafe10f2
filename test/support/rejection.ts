import { expect } from 'vitest';

/** The error `promise` rejects with, checked to be a `type` (an SDK's error class, say): fails the test when it resolves. */
export async function rejection<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
