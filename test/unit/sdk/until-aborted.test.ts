import { describe, expect, test } from 'vitest';
import { untilAborted } from '../../../src/sdk/until-aborted.js';

describe(untilAborted.name, () => {
  test('settles like the work while the signal stays quiet', async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve('minted'), signal, () => 'stop')).resolves.toBe('minted');
    await expect(untilAborted(Promise.reject(new Error('refused')), signal, () => 'stop')).rejects.toThrow('refused');
  });

  test('rejects with the reason when the signal aborts, while the shared work runs on for the others', async () => {
    const controller = new AbortController();
    let finish!: (value: string) => void;
    const work = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const mine = untilAborted(work, controller.signal, () => new Error('cancelled'));
    const theirs = untilAborted(work, new AbortController().signal, () => new Error('not this one'));
    controller.abort();
    await expect(mine).rejects.toThrow('cancelled');
    finish('minted');
    await expect(theirs).resolves.toBe('minted');
  });

  test('rejects at once for a signal that already aborted, without an unhandled rejection from the work', async () => {
    const controller = new AbortController();
    controller.abort();
    const work = Promise.reject(new Error('refused'));
    await expect(untilAborted(work, controller.signal, () => new Error('cancelled'))).rejects.toThrow('cancelled');
  });
});
