import { testStack } from './stack';

/** The claims of a JWT (not verified: Keycloak issued it to us over loopback). */
export function claims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** The agents' realm's token endpoint on the test stack. */
function agentsTokenUrl(): string {
  const { keycloak } = testStack();
  return `${keycloak.url}/realms/${keycloak.realm}/protocol/openid-connect/token`;
}

/** A token request to `tokenUrl` (default: the agents' realm's). */
export async function tokenRequest(form: Record<string, string>, tokenUrl = agentsTokenUrl()): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export function clientCredentialsToken(clientId: string, clientSecret: string, tokenUrl?: string) {
  return tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, tokenUrl);
}

/** OAuth 2.0 token exchange (RFC 8693), Keycloak's standard token exchange. */
export function exchangeToken(clientId: string, clientSecret: string, subjectToken: string) {
  return tokenRequest({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    client_id: clientId,
    client_secret: clientSecret,
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  });
}
