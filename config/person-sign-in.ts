import { checkTokenUrl, TokenRequestError } from './temporal-credentials';
import { keycloakEndpointBeside, postForm, refusalOf, TokenAnswer } from './token-endpoint';

/** A person's tokens from a sign-in: the access token Temporal takes, and the refresh token that renews it. */
export interface PersonTokens {
  tokenUrl: string;
  clientId: string;
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch). */
  expiresAt: number;
}

function tokensOf(tokenUrl: string, clientId: string, body: TokenAnswer): PersonTokens {
  if (!body.access_token || !body.refresh_token) throw new TokenRequestError(`${tokenUrl} answered without an access and a refresh token`);
  return { tokenUrl, clientId, accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: Date.now() + (body.expires_in ?? 60) * 1000 };
}

/** What a person is shown to sign in, and the wait for them to have done it. */
export interface DeviceSignIn {
  /** The page to open, with the code filled in. */
  verificationUri: string;
  userCode: string;
  /** Resolves once the person signed in and consented; rejects if they refused or the code expired. */
  signedIn: Promise<PersonTokens>;
}

/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628) against Keycloak: the CLI shows a page and a code,
 * the person signs in in any browser, and the CLI gets their tokens. Keycloak serves the device
 * endpoint beside its token endpoint.
 */
export async function startDeviceSignIn(tokenUrl: string, clientId: string): Promise<DeviceSignIn> {
  checkTokenUrl(tokenUrl);
  const deviceUrl = keycloakEndpointBeside(tokenUrl, 'auth/device');
  if (!deviceUrl) throw new TokenRequestError(`${tokenUrl} is not a Keycloak token endpoint (…/realms/<realm>/protocol/openid-connect/token)`);
  const { ok, body } = await postForm(deviceUrl, { client_id: clientId, scope: 'openid' });
  if (!ok || typeof body.device_code !== 'string') throw new TokenRequestError(`${tokenUrl}: the device sign-in was refused to client ${clientId} (${refusalOf(body)})`);
  const deviceCode = body.device_code;
  let intervalMs = Number(body.interval ?? 5) * 1000;
  const signedIn = (async () => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      const answer = await postForm(tokenUrl, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: clientId, device_code: deviceCode });
      if (answer.ok) return tokensOf(tokenUrl, clientId, answer.body);
      if (answer.body.error === 'slow_down') intervalMs += 5000;
      else if (answer.body.error !== 'authorization_pending') throw new TokenRequestError(`sign-in not completed (${refusalOf(answer.body)})`);
    }
  })();
  return { verificationUri: String(body.verification_uri_complete ?? body.verification_uri), userCode: String(body.user_code), signedIn };
}

/** New tokens for a signed-in person, by their refresh token; rejects once the sign-in itself has expired. */
export async function refreshPersonTokens(tokens: PersonTokens): Promise<PersonTokens> {
  const { ok, body } = await postForm(tokens.tokenUrl, { grant_type: 'refresh_token', client_id: tokens.clientId, refresh_token: tokens.refreshToken });
  if (!ok) throw new TokenRequestError(`the sign-in could not be renewed (${refusalOf(body)}): sign in again`);
  return tokensOf(tokens.tokenUrl, tokens.clientId, body);
}
