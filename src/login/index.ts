export { MintCache, type MintCacheOptions, type Minted } from './mint-cache.js';
export {
  describeTokenSource,
  GITHUB_TOKEN_BEARER_ENV,
  GITHUB_TOKEN_URL_ENV,
  KUBERNETES_TOKEN_FILE,
  readOidcToken,
  type TokenRequest,
  type TokenSource,
  tokenSourceSchema,
} from './token-source.js';
