// Preloaded with NODE_OPTIONS=--require into every process of a run (main process and workers): records each
// socket a process opens or name it resolves, as `<pid> inet|unix <what>` lines in $RECORD_INET_FILE. A Unix
// socket (the broker's private channel) is not egress; anything inet is. Proves R3 from inside the processes.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const file = process.env.RECORD_INET_FILE;
const record = (kind, what) => {
  if (file) {
    fs.appendFileSync(file, `${process.pid} ${kind} ${what}\n`);
  }
};
// net.connect(path) / ({ path }) / listen(path) / ({ path }) are Unix sockets; a port or host is inet.
const kindOf = (first) => {
  if (typeof first === 'string') {
    return /^\d+$/.test(first) ? 'inet' : 'unix';
  }
  if (Array.isArray(first)) {
    return kindOf(first[0]);
  }
  if (first !== null && typeof first === 'object') {
    return typeof first.path === 'string' ? 'unix' : 'inet';
  }
  return 'inet';
};
const wrap = (object, method, label, classify) => {
  const original = object[method];
  object[method] = function (...args) {
    record(classify(args), label);
    return original.apply(this, args);
  };
};
wrap(net.Socket.prototype, 'connect', 'net.Socket.connect', (args) => kindOf(args[0]));
wrap(net.Server.prototype, 'listen', 'net.Server.listen', (args) =>
  // listen() with no argument, or a handle (a worker's IPC), binds no new inet port only for a handle.
  args.length === 0
    ? 'inet'
    : args[0] !== null && typeof args[0] === 'object' && 'fd' in args[0]
      ? 'unix'
      : kindOf(args[0])
);
wrap(dgram.Socket.prototype, 'bind', 'dgram.bind', () => 'inet');
wrap(dgram.Socket.prototype, 'send', 'dgram.send', () => 'inet');
wrap(dns, 'lookup', 'dns.lookup', () => 'inet');
wrap(dns, 'resolve', 'dns.resolve', () => 'inet');
wrap(dns.promises, 'lookup', 'dns.promises.lookup', () => 'inet');
if (typeof globalThis.fetch === 'function') {
  const original = globalThis.fetch;
  globalThis.fetch = (...args) => {
    record('inet', 'fetch');
    return original(...args);
  };
}
