import { storageError } from '../errors.js';

// How SplitStorage turns a part's failures into ERR_STORAGE naming the step.

/**
 * `fn`'s result as a promise, its failure as `ERR_STORAGE` (see `SplitStorage.op`). Not an async function: a
 * delivery calls the storage three to four times (its endpoint, its message, its outcome, a share of a claim),
 * and SQLite answers the reads at once; an async function added a promise and an `await`'s turn to each.
 */
export function settled<T>(action: string, fn: () => T | Promise<T>): Promise<T> {
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (error) {
    return Promise.reject(storageError(error, action));
  }
  if (!(result instanceof Promise)) return Promise.resolve(result);
  return result.then(undefined, (error: unknown) => {
    throw storageError(error, action);
  });
}

/**
 * One storage step's error mapping, made once: a part's result as a promise, a failure as `ERR_STORAGE`
 * naming the step (as {@link settled} does), with the handler shared by every call instead of a closure each.
 */
export class Step {
  readonly action: string;
  constructor(action: string) {
    this.action = action;
  }
  readonly #fail = (error: unknown): never => {
    throw storageError(error, this.action);
  };
  /** `fn` called on `self` with `arg`, its failure (thrown or rejected) as `ERR_STORAGE`: no closure per call. */
  call<S, A, T>(self: S, fn: (this: S, arg: A) => T | Promise<T>, arg: A): Promise<T> {
    let result: T | Promise<T>;
    try {
      result = fn.call(self, arg);
    } catch (error) {
      return Promise.reject(storageError(error, this.action));
    }
    return result instanceof Promise ? result.then(undefined, this.#fail) : Promise.resolve(result);
  }
}

/** The steps every delivery attempt takes (see SplitStorage). */
export const READ_ENDPOINT = new Step('read an endpoint');
export const READ_MESSAGE = new Step('read a message');
export const RECORD_ATTEMPT = new Step('record a delivery attempt');
