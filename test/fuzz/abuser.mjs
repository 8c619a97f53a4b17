// A hostile client of the session channel, in its own process so its work does not share the session's event loop.
// Usage: node abuser.mjs <case> <socketPath> <json args>. Prints one JSON line: what the server answered.
// Every case ends by itself (bounded connections, bytes and time).
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

const [kind, socketPath, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? '{}');
const answers = [];
let bytesSent = 0;
let connections = 0;

/** One connection: writes `chunks` (spaced by `gapMs`), collects answer lines until the server ends it or `holdMs`. */
function session(chunks, { gapMs = 0, holdMs = 3_000 } = {}) {
  return new Promise((resolve) => {
    connections += 1;
    const socket = connect(socketPath);
    let text = '';
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        for (const line of text.split('\n').filter(Boolean)) {
          try {
            answers.push(JSON.parse(line));
          } catch {
            answers.push({ unparsable: line.slice(0, 80) });
          }
        }
        resolve();
      }
    };
    const timer = setTimeout(finish, holdMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (done || socket.destroyed) {
          return;
        }
        bytesSent += chunk.length;
        if (!socket.write(chunk)) {
          await new Promise((r) => {
            socket.once('drain', r);
            socket.once('close', r);
          });
        }
        if (gapMs > 0) {
          await delay(gapMs);
        }
      }
    });
  });
}

const line = (value) => `${JSON.stringify(value)}\n`;
const hello = (credential) => line({ v: 2, op: 'hello', ...credential });

const cases = {
  // An acquire for a file nobody planned, for names nobody planned, with a real key; a claim of unplanned paths.
  async unplanned() {
    for (const [i, ticket] of args.tickets.entries()) {
      await session([
        hello({ ticket }),
        line({ v: 2, op: 'claim', files: [args.unplannedFiles[i] ?? '/etc/hostname'] }),
      ]);
    }
    for (const names of [['HOST'], ['SHADOW'], ['OTHER'], ['HOST', 'SHADOW', 'OTHER']]) {
      await session([hello({ key: args.key }), line({ v: 2, op: 'acquire', file: args.plannedFile, names })]);
    }
    for (const file of args.unplannedFiles.concat(args.fifo)) {
      await session([hello({ key: args.key }), line({ v: 2, op: 'acquire', file, names: ['FILE_CANARY'] })]);
    }
  },
  // Newlines before any hello: one answer, then the connection ends.
  async newlines() {
    const flood = Buffer.alloc(1024 * 1024, 0x0a);
    await Promise.all(Array.from({ length: 4 }, () => session([flood, flood, flood])));
  },
  // Long unterminated lines, before a hello (60 connections) and after one (20 connections with a real key).
  async 'long-lines'() {
    const block = Buffer.alloc(256 * 1024, 0x61);
    const big = Array.from({ length: 63 }, () => block);
    await Promise.all(Array.from({ length: 60 }, () => session(big)));
    await Promise.all(Array.from({ length: 20 }, () => session([hello({ key: args.key }), ...big.slice(0, 8)])));
  },
  // One byte at a time, never a newline.
  async dribble() {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        session(
          Array.from({ length: 400 }, () => 'a'),
          { gapMs: 10, holdMs: 5_000 }
        )
      )
    );
  },
  // Many idle connections at once, held until the server lets them go.
  async idle() {
    await Promise.all(Array.from({ length: 1_100 }, () => session([], { holdMs: 4_000 })));
  },
  // Bad credentials of every shape, a replayed ticket, another protocol version, smuggled prototypes.
  async credentials() {
    const frames = [
      { v: 2, op: 'hello' },
      { v: 2, op: 'hello', ticket: 'f'.repeat(64) },
      { v: 2, op: 'hello', ticket: args.spentTicket },
      { v: 2, op: 'hello', ticket: args.spentTicket.slice(0, 63) },
      { v: 2, op: 'hello', ticket: 42 },
      { v: 2, op: 'hello', ticket: [args.spentTicket] },
      { v: 2, op: 'hello', key: args.key.toUpperCase() },
      { v: 1, op: 'hello', key: args.key },
      { v: 2, op: 'acquire', file: args.plannedFile, names: ['FILE_CANARY'] },
      JSON.parse(`{"v":2,"op":"hello","__proto__":{"key":"${args.key}"}}`),
      { v: 2, op: 'hello', constructor: { prototype: { key: args.key } } },
    ];
    for (const frame of frames) {
      await session([line(frame), line({ v: 2, op: 'acquire', file: args.plannedFile, names: ['FILE_CANARY'] })]);
    }
    await session(['{"v":2,"op":"hel']);
    await session(['null\n', '[]\n', '"x"\n']);
  },
};

const run = cases[kind];
if (run === undefined) {
  throw new Error(`unknown case ${kind}`);
}
await run();
const granted = answers.filter((a) => a.ok === true && Array.isArray(a.grants)).flatMap((a) => a.grants);
process.stdout.write(
  `${JSON.stringify({
    case: kind,
    connections,
    bytesSent,
    answers: answers.length,
    refusals: answers.filter((a) => a.ok === false).map((a) => a.code),
    granted: granted.map((g) => g.name),
    grantedValues: granted.map((g) => g.value ?? ''),
    messages: [...new Set(answers.filter((a) => a.ok === false).map((a) => a.message))],
  })}\n`
);
