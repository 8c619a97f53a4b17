/**
 * The Azure SDK's environment, as a minted `azure-token:` endpoint hands it to one test: the App Service
 * managed-identity pair, the application's client id, and the credential sources `DefaultAzureCredential` tries
 * before managed identity hidden (an empty string: `@azure/identity` tests each of these for truthiness).
 */

/**
 * @public Hidden so that `DefaultAzureCredential` reaches managed identity: EnvironmentCredential's secret,
 * certificate and user-password sources, WorkloadIdentityCredential's token file (and AKS's token exchange inside
 * ManagedIdentityCredential, which reads the same file), and AZURE_TOKEN_CREDENTIALS, which could drop managed identity
 * from the chain. Not set here: MSI_ENDPOINT, MSI_SECRET, IDENTITY_SERVER_THUMBPRINT and IMDS_ENDPOINT — MSAL picks its
 * source by whether a variable is *defined*, so even an empty one would select Service Fabric, Machine Learning or
 * Azure Arc. They must not be in the run's environment (the grant warns when they are).
 */
export const AZURE_HIDDEN = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_CLIENT_SEND_CERTIFICATE_CHAIN',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_TOKEN_CREDENTIALS',
] as const;

/** @public Variables that would make MSAL pick another managed-identity source than App Service. */
export const AZURE_COMPETING_MSI = [
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
] as const;

/** @public The variables of `as: 'endpoint'`. */
export function azureEndpointVars(endpoint: { url: string; header: string }, clientId: string): Record<string, string> {
  return {
    ...Object.fromEntries(AZURE_HIDDEN.map((name) => [name, ''])),
    // DefaultAzureCredential asks managed identity for AZURE_CLIENT_ID's application: the one this endpoint serves.
    AZURE_CLIENT_ID: clientId,
    IDENTITY_ENDPOINT: endpoint.url,
    IDENTITY_HEADER: endpoint.header,
  };
}
