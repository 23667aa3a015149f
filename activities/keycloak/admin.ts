import KcAdminClient from '@keycloak/keycloak-admin-client';
import { Semaphore } from 'async-mutex';
import { createHash } from 'node:crypto';
import { PlatformClients } from './platform-clients';

export interface AdminCredentials {
  username: string;
  password: string;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/** Temporal's priority key of a task that sets none. */
const DEFAULT_PRIORITY_KEY = 3;

/**
 * No call to Keycloak waits longer: a Keycloak that accepts connections but does not answer (stopped,
 * overloaded) is then reported as unreachable instead of holding the pass for minutes.
 */
const CALL_TIMEOUT_MS = 4_000;

/** Renew an admin token this long before it expires, so no call starts with a token about to lapse. */
const RENEW_BEFORE_MS = 20_000;

function expiryOf(accessToken: string): number {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  return (payload.exp ?? 0) * 1000;
}

/**
 * Admin access to Keycloak for the activities of one worker process. A password login costs
 * Keycloak a slow password hash, so the access token is shared until shortly before it expires
 * (the admin client cannot refresh it by itself), and concurrent activities wait for one login.
 * The cache is keyed by server, user and a hash of the password, so rotated credentials log in anew.
 */
export class KeycloakAdminSessions {
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  /**
   * Units of Keycloak work in flight. Keycloak's throughput is bounded by its CPU: a burst of
   * unbounded concurrent calls only queues inside it, each call then takes seconds and activities
   * time out and repeat their work. Waiting here instead keeps each call short.
   */
  private readonly slots: Semaphore;
  /** The platform clients' internal ids, looked up once per realm. */
  readonly platformClients = new PlatformClients();

  constructor(concurrency: number) {
    this.slots = new Semaphore(concurrency);
  }

  /**
   * Runs `work` once a slot is free. Waiting work is served by Temporal priority key (lower first,
   * 3 when unset), so new agents do not wait behind maintenance that queued before them.
   */
  exclusive<T>(work: () => Promise<T>, priorityKey?: number): Promise<T> {
    // The semaphore serves higher numbers first; 0 is the wire's "unset".
    return this.slots.runExclusive(work, 1, -(priorityKey || DEFAULT_PRIORITY_KEY));
  }

  private key(url: string, credentials: AdminCredentials): string {
    return createHash('sha256').update(`${url}\x00${credentials.username}\x00${credentials.password}`).digest('hex');
  }

  private async login(url: string, credentials: AdminCredentials): Promise<CachedToken> {
    const admin = new KcAdminClient({ baseUrl: url, realmName: 'master', timeout: CALL_TIMEOUT_MS });
    await admin.auth({ grantType: 'password', clientId: 'admin-cli', username: credentials.username, password: credentials.password });
    const accessToken = admin.accessToken!;
    return { accessToken, expiresAt: expiryOf(accessToken) };
  }

  /** An admin client pointed at `realm`, with a valid token. */
  async session(url: string, realm: string, credentials: AdminCredentials): Promise<KcAdminClient> {
    const key = this.key(url, credentials);
    let pending = this.tokens.get(key);
    const cached = pending ? await pending.catch(() => undefined) : undefined;
    if (!cached || cached.expiresAt - Date.now() < RENEW_BEFORE_MS) {
      if (this.tokens.get(key) === pending) {
        pending = this.login(url, credentials);
        this.tokens.set(key, pending);
        pending.catch(() => this.tokens.delete(key));
      } else {
        pending = this.tokens.get(key)!;
      }
    }
    const token = await pending!;
    const admin = new KcAdminClient({ baseUrl: url, realmName: realm, timeout: CALL_TIMEOUT_MS });
    admin.setAccessToken(token.accessToken);
    return admin;
  }

  /** Forgets every token, after Keycloak refused one (it restarted, or the user changed). */
  invalidate(): void {
    this.tokens.clear();
  }
}
