/** @internal What a signal must offer: Node's `AbortSignal`, or the Azure SDK's `AbortSignalLike`. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * @internal `work` as one caller sees it: settled like `work`, or rejected with `reason()` as soon as `signal`
 * aborts. The work itself runs on, because it is shared (a mint several fetches wait for): one caller giving up must
 * not cancel it for the others, and its result still lands in the cache.
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignalLike | undefined,
  reason: () => unknown
): Promise<T> {
  if (signal === undefined) {
    return work;
  }
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** @internal The error an aborted request rejects with, as `fetch` and the SDKs name it. */
export function abortError(message = 'The operation was aborted'): Error {
  return new DOMException(message, 'AbortError');
}
