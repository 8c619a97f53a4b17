// Preloaded with `node --require` into a process under test: records every attempt to open a socket, listen,
// or resolve a name, one line per attempt (`<pid> <what>`), into $RECORD_SOCKETS_FILE. Proves "nothing opens
// a socket" from inside the process instead of trusting the code's intent.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const file = process.env.RECORD_SOCKETS_FILE;
const record = (what) => {
  if (file) {
    fs.appendFileSync(file, `${process.pid} ${what}\n`);
  }
};
const wrap = (object, method, label) => {
  const original = object[method];
  object[method] = function (...args) {
    record(label);
    return original.apply(this, args);
  };
};
wrap(net.Socket.prototype, 'connect', 'net.Socket.connect');
wrap(net.Server.prototype, 'listen', 'net.Server.listen');
wrap(dgram.Socket.prototype, 'bind', 'dgram.bind');
wrap(dgram.Socket.prototype, 'send', 'dgram.send');
wrap(dns, 'lookup', 'dns.lookup');
wrap(dns, 'resolve', 'dns.resolve');
wrap(dns.promises, 'lookup', 'dns.promises.lookup');
if (typeof globalThis.fetch === 'function') {
  const original = globalThis.fetch;
  globalThis.fetch = (...args) => {
    record('fetch');
    return original(...args);
  };
}
