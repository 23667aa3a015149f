/** What an OAuth token endpoint (and Keycloak's device endpoint beside it) answers. */
export interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/** A form POST to an OAuth endpoint: whether it succeeded, its status, and its JSON body ({} when it has none). */
export async function postForm(url: string | URL, form: Record<string, string>): Promise<{ ok: boolean; status: number; body: TokenAnswer & Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form), signal: AbortSignal.timeout(10_000) });
  return { ok: response.ok, status: response.status, body: (await response.json().catch(() => ({}))) as TokenAnswer & Record<string, unknown> };
}

/** Why an endpoint refused, as OAuth says it (`error: description`), else `fallback`. */
export function refusalOf(body: TokenAnswer, fallback = 'refused'): string {
  return body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : fallback;
}

/**
 * Keycloak's endpoint `path` (`certs`, `auth/device`) of the realm whose token endpoint is
 * `tokenUrl`; undefined for a token endpoint of another shape.
 */
export function keycloakEndpointBeside(tokenUrl: string, path: string): string | undefined {
  return /\/protocol\/openid-connect\/token$/.test(tokenUrl) ? tokenUrl.replace(/\/token$/, `/${path}`) : undefined;
}
