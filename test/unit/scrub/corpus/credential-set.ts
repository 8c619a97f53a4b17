/**
 * A realistic credential set, generated at test time (TEST ONLY, never persisted): random tokens, PEM keys (PKCS#8
 * RSA, SEC1 EC, Ed25519), a kubeconfig, DSNs, a service-account JSON, a dotenv file and an AWS credentials file.
 * `publicParts` are the pieces of them that are not secret, printed by ordinary code.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export interface CredentialSet {
  readonly values: Readonly<Record<string, string>>;
  readonly publicParts: readonly string[];
  readonly secrets: Readonly<Record<string, readonly string[]>>;
}

export function credentialSet(): CredentialSet {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' });
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  const fakeCa = `-----BEGIN CERTIFICATE-----\n${randomBytes(300)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
  const caData = Buffer.from(fakeCa).toString('base64');
  const kubeToken = `eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.${token(96)}.${token(128)}`;
  const kubeKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' });
  const clientKeyData = Buffer.from(kubeKey as string).toString('base64');
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'current-context: kind-kind',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${caData}`,
    '    server: https://127.0.0.1:6443',
    '  name: kind-kind',
    'contexts:',
    '- context:',
    '    cluster: kind-kind',
    '    user: kind-kind',
    '  name: kind-kind',
    'users:',
    '- name: kind-kind',
    '  user:',
    `    token: ${kubeToken}`,
    `    client-key-data: ${clientKeyData}`,
    '',
  ].join('\n');
  const dbPassword = `${token(12)}@/${token(6)}`;
  const dsn = `postgres://app_user:${encodeURIComponent(dbPassword)}@db.internal:5432/app?sslmode=require`;
  const sasToken = token(32);
  const blobUrl = `https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2026-05-04&sig=${encodeURIComponent(sasToken)}`;
  const saKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const privateKeyId = randomBytes(20).toString('hex');
  const serviceAccount = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'acme-ci-471802',
      private_key_id: privateKeyId,
      private_key: saKey,
      client_email: 'ci-runner@acme-ci-471802.iam.gserviceaccount.com',
      client_id: '104683927465019283746',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url:
        'https://www.googleapis.com/robot/v1/metadata/x509/ci-runner%40acme-ci-471802.iam.gserviceaccount.com',
      universe_domain: 'googleapis.com',
    },
    null,
    2
  );
  const apiKey = `sk_live_${token(24)}`;
  // An application's whole .env: settings about its secrets under secret-looking keys, beside the secrets.
  const sessionSecret = `keyboard-cat-${token(6)}`;
  const signingKey = token(32);
  const appToken = `tok-${token(9)}`;
  const dotenv = [
    'NODE_ENV=production',
    'PORT=3000',
    'DEBUG=false',
    `STRIPE_API_KEY=${apiKey}`,
    'SIGNATURE_ALGORITHM=HMAC-SHA256',
    'SECRETS_BACKEND=hashicorp-vault',
    'SESSION_BACKEND=redis-cluster',
    'SESSION_ENGINE=django.contrib.sessions.backends.db',
    'CREDENTIAL_SOURCE=Ec2InstanceMetadata',
    'TOKEN_TYPE=Bearer',
    'SESSION_COOKIE_SAMESITE=Strict',
    'SESSION_MAX_AGE=1209600',
    'PRIVATE_KEY_PATH=/run/secrets/app-signing.pem',
    `SESSION_SECRET=${sessionSecret}`,
    `SIGNING_KEY=${signingKey}`,
    `TOKEN=${appToken}`,
    '',
  ].join('\n');
  // The same shape as a JSON secret (AWS Secrets Manager), camelCase keys.
  const jsonSessionSecret = `keyboard-dog-${token(6)}`;
  const jsonSigningKey = token(32);
  const appJson = JSON.stringify(
    {
      signatureAlgorithm: 'HMAC-SHA256',
      sessionBackend: 'redis-cluster',
      credentialSource: 'Ec2InstanceMetadata',
      cookie: { httpOnly: 'true', sameSite: 'Strict' },
      sessionSecret: jsonSessionSecret,
      signingKey: jsonSigningKey,
    },
    null,
    2
  );
  const awsSecret = token(30);
  const aws = `[default]\naws_access_key_id = AKIA${randomBytes(8).toString('hex').toUpperCase()}\naws_secret_access_key = ${awsSecret}\nregion = eu-west-1\n`;
  const gh = `ghp_${token(27)}`;
  const npm = `npm_${token(27)}`;
  return {
    values: {
      GITHUB_TOKEN: gh,
      NPM_TOKEN: npm,
      TLS_KEY: rsa as string,
      EC_KEY: ec as string,
      ED_KEY: ed as string,
      KUBECONFIG: kubeconfig,
      DATABASE_URL: dsn,
      BLOB_URL: blobUrl,
      GCP_SA: serviceAccount,
      DOTENV: dotenv,
      APP_JSON: appJson,
      AWS_CREDENTIALS: aws,
    },
    publicParts: [
      ...kubeconfig.split('\n').filter((line) => !/token|client-key-data/.test(line)),
      ...serviceAccount.split('\n').filter((line) => !/"private_key"/.test(line)),
      ...dotenv.split('\n').filter((line) => !/STRIPE|SESSION_SECRET|SIGNING_KEY|^TOKEN=/.test(line)),
      // Ordinary code naming the same settings.
      "const ALGORITHM = 'HMAC-SHA256'; // sign with HMAC-SHA256",
      "SESSION_ENGINE = 'django.contrib.sessions.backends.db'",
      'credentials from Ec2InstanceMetadata, sessions in redis-cluster, secrets in hashicorp-vault',
      ...appJson.split('\n').filter((line) => !/sessionSecret|signingKey/.test(line)),
      ...aws.split('\n').filter((line) => !line.includes('secret')),
      fakeCa,
      'host db.internal port 5432 user app_user database app sslmode=require',
    ],
    secrets: {
      KUBECONFIG: [kubeToken, clientKeyData],
      DATABASE_URL: [dbPassword, encodeURIComponent(dbPassword)],
      BLOB_URL: [sasToken],
      GCP_SA: (saKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')) as string[]).concat(),
      DOTENV: [apiKey, sessionSecret, signingKey, appToken],
      APP_JSON: [jsonSessionSecret, jsonSigningKey],
      AWS_CREDENTIALS: [awsSecret],
      TLS_KEY: (rsa as string).split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')),
      EC_KEY: (ec as string).split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')),
    },
  };
}
