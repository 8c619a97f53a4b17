// What a test that declared nothing, its child, or a process outside the run can get: the env: source variable from
// its environment (and its parent's /proc/<pid>/environ), anything in the run's scratch root, and answers from the
// session socket with whatever ticket it has. Everything it finds goes, raw, into one JSON line of the out file: the
// e2e test then asserts the canary is not there (the out file is written past every scrubber on purpose).
// Usage: node channel-probe.cjs <label> <json: { out, runtimeDir, ticket?, file?, parentEnviron? }>
const { appendFileSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { connect } = require('node:net');
const { join } = require('node:path');

const [label, raw] = process.argv.slice(2);
const args = JSON.parse(raw);

function read(path) {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    return `unreadable (${error.code})`;
  }
}

function scratch() {
  const found = { sockets: [], files: {} };
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        walk(path);
      } else if (stat?.isSocket()) {
        found.sockets.push(path);
      } else if (stat?.isFile()) {
        found.files[path] = read(path);
      }
    }
  };
  try {
    walk(args.runtimeDir);
  } catch {
    // The run ended.
  }
  return found;
}

function ask(socketPath, lines) {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let text = '';
    const done = () => {
      socket.destroy();
      resolve(text.trim());
    };
    setTimeout(done, 3_000).unref();
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(lines.map((l) => `${JSON.stringify(l)}\n`).join('')));
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', done);
    socket.on('error', (error) => resolve(`error ${error.code}`));
  });
}

async function main() {
  const { sockets, files } = scratch();
  const environ = args.parentEnviron ? read(`/proc/${process.ppid}/environ`) : read('/proc/self/environ');
  const hex = [...new Set(`${environ}\n${Object.values(files).join('\n')}`.match(/[0-9a-f]{64}/g) ?? [])];
  const tickets = [...new Set([args.ticket, ...hex].filter(Boolean))];
  const answers = [];
  for (const socketPath of sockets) {
    const claim = { v: 2, op: 'claim', files: [args.file ?? '/nonexistent.test.js'] };
    const acquire = { v: 2, op: 'acquire', file: args.file ?? '/nonexistent.test.js', names: ['SRC_PLAIN'] };
    answers.push(await ask(socketPath, [{ v: 2, op: 'hello' }, acquire]));
    for (const ticket of tickets) {
      answers.push(await ask(socketPath, [{ v: 2, op: 'hello', ticket }, claim]));
      answers.push(await ask(socketPath, [{ v: 2, op: 'hello', key: ticket }, acquire]));
    }
  }
  const record = {
    label,
    envSource: process.env.CB_SRC_PLAIN ?? null,
    handleVar: process.env.CREDENTIAL_BROKER_HANDLE ?? null,
    environSource: environ.split('\0').filter((entry) => entry.startsWith('CB_SRC_PLAIN=')),
    scratchFiles: files,
    sockets: sockets.length,
    tickets: tickets.length,
    answers,
  };
  appendFileSync(args.out, `${JSON.stringify(record)}\n`);
}

main();
