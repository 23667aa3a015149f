import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { keycloakEndpointBeside, postForm, refusalOf } from './token-endpoint';

/** Where renewal failures and recoveries are told. */
export type TokenLog = Pick<Logger, 'info' | 'error'>;

/** Where a process gets its Temporal token: an OAuth client of the identity provider (Keycloak). */
export interface ClientCredentials {
  /** The token endpoint, e.g. https://keycloak/realms/temporal/protocol/openid-connect/token. */
  tokenUrl: string;
  clientId: string;
  /** A file holding the client secret (mounted from a Secret): read for every token, so a rotated secret needs no restart. */
  clientSecretFile: string;
}


/** A token endpoint's refusal or an unusable answer; says which endpoint, never the secret. */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
}

/** A token is renewed once this share of its lifetime has passed, so a slow renewal never leaves a process without one. */
const RENEW_AT_SHARE = 0.6;
// Short enough that a worker refused meanwhile (an expired token) gets a new one well within the
// minute its pollers keep trying before the SDK stops the worker.
const RETRY_MS = { first: 1000, max: 10_000 };

/** Whether a host name (as a URL or an address gives it) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
}

/** A secret held in a file (a mounted Secret's), without its trailing newline. */
export function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new TokenRequestError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Refuses to send a client secret in clear text anywhere but loopback. */
export function checkTokenUrl(tokenUrl: string): URL {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new TokenRequestError(`the Temporal token URL '${tokenUrl}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new TokenRequestError(`the Temporal token URL ${url.origin} must be https (plain http only on loopback)`);
  return url;
}

/** One client-credentials grant: the access token and its lifetime in seconds. */
export async function requestToken(credentials: ClientCredentials): Promise<{ token: string; expiresInSeconds: number }> {
  const url = checkTokenUrl(credentials.tokenUrl);
  const secret = readSecretFile(credentials.clientSecretFile, 'the Temporal client secret file');
  const { ok, status, body } = await postForm(url, { grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: secret });
  if (!ok || !body.access_token) throw new TokenRequestError(`${url.origin}${url.pathname} refused a token to client ${credentials.clientId} (${refusalOf(body, `HTTP ${status}`)})`);
  return { token: body.access_token, expiresInSeconds: body.expires_in ?? 60 };
}

/**
 * Where Keycloak publishes the signing keys of the realm whose token endpoint is `tokenUrl`;
 * undefined for a token endpoint of another shape (no key watch then).
 */
export function keysUrlOf(tokenUrl: string): string | undefined {
  return keycloakEndpointBeside(tokenUrl, 'certs');
}

/** How often the realm's published keys are compared with the current token's. */
const KEY_WATCH_MS = 10_000;

/** The key id (`kid`) in a JWT's header. */
function keyIdOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's Temporal token, kept fresh: fetched once before the first connection, then renewed
 * in the background before it expires. A failed renewal keeps the current token (still valid for a
 * while) and is retried with backoff; every failure and the recovery are logged.
 *
 * A key rotation that withdraws the key the current token was signed with makes Temporal refuse
 * that token as soon as it reads the realm's keys again, minutes before the token would be
 * renewed, and a worker refused for a minute stops. So the realm's published keys are watched,
 * and a token whose key has left them is renewed at once.
 */
export class TemporalTokens {
  private current = '';
  private timer: NodeJS.Timeout | undefined;
  private keyWatch: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly listeners: ((token: string) => void | Promise<void>)[] = [];
  private failures = 0;

  private constructor(private readonly credentials: ClientCredentials, private readonly log: TokenLog) {}

  /** Fetches the first token (failing if it cannot: a process with no token cannot start) and schedules renewals. */
  static async start(credentials: ClientCredentials, log: TokenLog): Promise<TemporalTokens> {
    const tokens = new TemporalTokens(credentials, log);
    const { expiresInSeconds } = await tokens.fetch();
    tokens.schedule(expiresInSeconds * RENEW_AT_SHARE * 1000);
    const keysUrl = keysUrlOf(credentials.tokenUrl);
    if (keysUrl) {
      tokens.keyWatch = setInterval(() => void tokens.renewIfKeyWithdrawn(keysUrl), KEY_WATCH_MS);
      tokens.keyWatch.unref();
    }
    return tokens;
  }

  /** The token to send now. */
  token(): string {
    return this.current;
  }

  /** Called with each renewed token (a NativeConnection must be told; a Connection reads `token()` per call). */
  onRenewed(listener: (token: string) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.keyWatch);
    this.timer = undefined;
    this.keyWatch = undefined;
  }

  private async renewIfKeyWithdrawn(keysUrl: string): Promise<void> {
    const kid = keyIdOf(this.current);
    if (!kid || this.renewing) return;
    try {
      const response = await fetch(keysUrl, { signal: AbortSignal.timeout(10_000) });
      const { keys } = (await response.json()) as { keys?: { kid?: string }[] };
      if (!response.ok || !Array.isArray(keys) || keys.some((key) => key.kid === kid)) return;
    } catch {
      return; // Keycloak away: the token's own renewal reports that.
    }
    this.log.info({ clientId: this.credentials.clientId, kid }, 'The realm no longer publishes the key of the current Temporal token: renewing it now');
    await this.renew();
  }

  private async fetch(): Promise<{ expiresInSeconds: number }> {
    const { token, expiresInSeconds } = await requestToken(this.credentials);
    this.current = token;
    for (const listener of this.listeners) await listener(token);
    return { expiresInSeconds };
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), ms);
    this.timer.unref();
  }

  /** One renewal at a time, whoever asks (the schedule or the key watch). */
  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    try {
      const { expiresInSeconds } = await this.fetch();
      if (this.failures > 0) this.log.info({ failures: this.failures, clientId: this.credentials.clientId }, 'Temporal token renewed again');
      this.failures = 0;
      this.schedule(expiresInSeconds * RENEW_AT_SHARE * 1000);
    } catch (error) {
      this.failures++;
      const retryMs = Math.min(RETRY_MS.first * 2 ** (this.failures - 1), RETRY_MS.max);
      this.log.error({ error: (error as Error).message, retryInSeconds: retryMs / 1000 }, 'Temporal token renewal failed; the current token is used until it expires');
      this.schedule(retryMs);
    }
  }
}

/**
 * The name a token says its holder has (preferred_username, else sub), read without checking the
 * signature: for labelling what this process sends (the server checks the token itself).
 */
export function tokenHolder(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { preferred_username?: unknown; sub?: unknown };
    const name = claims.preferred_username ?? claims.sub;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
