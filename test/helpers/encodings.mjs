// The ways a careless test prints a secret. Shared by the e2e tests (to know what must not appear) and by the
// child processes they run (to print it).
export const ENCODINGS = {
  raw: (t) => t,
  b64: (t) => Buffer.from(`user:${t}`).toString('base64'),
  b64url: (t) => Buffer.from(`xy${t}`).toString('base64url'),
  hex: (t) => Buffer.from(t).toString('hex'),
  HEX: (t) => Buffer.from(t).toString('hex').toUpperCase(),
  url: (t) => encodeURIComponent(t),
  form: (t) => new URLSearchParams({ t }).toString().slice(2),
  json: (t) => JSON.stringify(t).slice(1, -1),
  xml: (t) =>
    t
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;'),
  shell: (t) => `'${t.replace(/'/g, "'\\''")}'`,
};
