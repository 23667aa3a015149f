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

/**
 * After a call found Keycloak unreachable, the next calls to it fail at once for this long instead
 * of each waiting out its own timeout: an outage is reported within seconds however much work
 * waits, and costs no connection attempts; then one call tries again.
 */
const UNREACHABLE_COOL_DOWN_MS = 5_000;

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
  /** Keycloak servers found unreachable moments ago, by URL: until when, and why. */
  private readonly unreachable = new Map<string, { until: number; reason: string }>();

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
    const current = this.tokens.get(key);
    // A login under way that fails, fails its waiters too: none starts another only to wait as long.
    const cached = current ? await current : undefined;
    const token = cached && cached.expiresAt - Date.now() >= RENEW_BEFORE_MS ? cached : await this.freshToken(key, url, credentials, current);
    const admin = new KcAdminClient({ baseUrl: url, realmName: realm, timeout: CALL_TIMEOUT_MS });
    admin.setAccessToken(token.accessToken);
    return admin;
  }

  /** A new login, or the one another caller started since `stale` was looked at; a failed login is forgotten. */
  private freshToken(key: string, url: string, credentials: AdminCredentials, stale: Promise<CachedToken> | undefined): Promise<CachedToken> {
    const latest = this.tokens.get(key);
    if (latest && latest !== stale) return latest;
    const login = this.login(url, credentials);
    this.tokens.set(key, login);
    login.catch(() => {
      if (this.tokens.get(key) === login) this.tokens.delete(key);
    });
    return login;
  }

  /** Why `url` is not tried now, when a call found it unreachable moments ago. */
  unreachableNow(url: string): string | undefined {
    const known = this.unreachable.get(url);
    return known && known.until > Date.now() ? known.reason : undefined;
  }

  /** Records the outcome of a call to `url`: unreachable (with why), or answering. */
  reachable(url: string, answered: boolean, reason = ''): void {
    if (answered) this.unreachable.delete(url);
    else this.unreachable.set(url, { until: Date.now() + UNREACHABLE_COOL_DOWN_MS, reason });
  }

  /** Forgets every token, after Keycloak refused one (it restarted, or the user changed). */
  invalidate(): void {
    this.tokens.clear();
  }
}
