import type { Readable } from 'node:stream';

/**
 * A child's stdout, line by line: `nextLine()` resolves with the next line not yet consumed, and rejects with
 * `describeEnd()`'s words once the child has ended without printing it (a test would otherwise wait for its timeout).
 */
export function lineReader(stdout: Readable, ended: Promise<unknown>, describeEnd: () => string) {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let index = buffered.indexOf('\n'); index >= 0; index = buffered.indexOf('\n')) {
      const line = buffered.slice(0, index);
      buffered = buffered.slice(index + 1);
      const waiter = waiting.shift();
      if (waiter === undefined) {
        lines.push(line);
      } else {
        waiter(line);
      }
    }
  });
  return {
    nextLine(): Promise<string> {
      const line = lines.shift();
      if (line !== undefined) {
        return Promise.resolve(line);
      }
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        void ended.then(() => reject(new Error(describeEnd())));
      });
    },
  };
}
