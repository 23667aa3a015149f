import KcAdminClient from '@keycloak/keycloak-admin-client';
import { createHash } from 'node:crypto';
import { PlatformClients } from './platform-clients';
import { KeycloakWorkSlots } from './work-slots';

/**
 * Who the provisioner is to Keycloak, from keycloak-admin-secret. A service-account client of the
 * realm it works in (client-credentials grant), holding only the realm-management roles it needs;
 * or, the legacy form, a master-realm admin's username and password, which can do anything to
 * every realm.
 */
export type AdminCredentials =
  | { kind: 'service-account'; clientId: string; clientSecret: string }
  | { kind: 'legacy-admin'; username: string; password: string };

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

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
 * Admin access to Keycloak for the activities of one worker process. A login costs Keycloak work
 * (a slow password hash for the legacy form), so the access token is shared until shortly before it
 * expires (the admin client cannot refresh it by itself), and concurrent activities wait for one
 * login. The cache is keyed by server, realm, identity and a hash of its secret, so rotated
 * credentials log in anew.
 */
export class KeycloakAdminSessions {
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  /** Units of Keycloak work in flight, and waiting (see KeycloakWorkSlots). */
  readonly slots: KeycloakWorkSlots;
  /** The platform clients' internal ids, looked up once per realm. */
  readonly platformClients = new PlatformClients();
  /** Keycloak servers found unreachable moments ago, by URL: until when, and why. */
  private readonly unreachable = new Map<string, { until: number; reason: string }>();

  /** The legacy credentials were reported by this process (or are being): once is enough. */
  private legacyReported?: Promise<void>;

  constructor(concurrency: number) {
    this.slots = new KeycloakWorkSlots(concurrency);
  }

  /** Runs `work` once a place is free for its Temporal priority key (see KeycloakWorkSlots). */
  exclusive<T>(work: () => Promise<T>, priorityKey?: number): Promise<T> {
    return this.slots.run(work, priorityKey);
  }

  /** A service account's token is good in its own realm only; a master admin's in every realm. */
  private key(url: string, realm: string, credentials: AdminCredentials): string {
    const parts = credentials.kind === 'service-account' ? [realm, credentials.clientId, credentials.clientSecret] : ['master', credentials.username, credentials.password];
    return createHash('sha256').update([url, credentials.kind, ...parts].join('\x00')).digest('hex');
  }

  private async login(url: string, realm: string, credentials: AdminCredentials): Promise<CachedToken> {
    let admin: KcAdminClient;
    if (credentials.kind === 'service-account') {
      admin = new KcAdminClient({ baseUrl: url, realmName: realm, timeout: CALL_TIMEOUT_MS });
      await admin.auth({ grantType: 'client_credentials', clientId: credentials.clientId, clientSecret: credentials.clientSecret });
    } else {
      admin = new KcAdminClient({ baseUrl: url, realmName: 'master', timeout: CALL_TIMEOUT_MS });
      await admin.auth({ grantType: 'password', clientId: 'admin-cli', username: credentials.username, password: credentials.password });
    }
    const accessToken = admin.accessToken!;
    return { accessToken, expiresAt: expiryOf(accessToken) };
  }

  /** An admin client pointed at `realm`, with a valid token. */
  async session(url: string, realm: string, credentials: AdminCredentials): Promise<KcAdminClient> {
    const key = this.key(url, realm, credentials);
    const current = this.tokens.get(key);
    // A login under way that fails, fails its waiters too: none starts another only to wait as long.
    const cached = current ? await current : undefined;
    const token = cached && cached.expiresAt - Date.now() >= RENEW_BEFORE_MS ? cached : await this.freshToken(key, url, realm, credentials, current);
    const admin = new KcAdminClient({ baseUrl: url, realmName: realm, timeout: CALL_TIMEOUT_MS });
    admin.setAccessToken(token.accessToken);
    return admin;
  }

  /** A new login, or the one another caller started since `stale` was looked at; a failed login is forgotten. */
  private freshToken(key: string, url: string, realm: string, credentials: AdminCredentials, stale: Promise<CachedToken> | undefined): Promise<CachedToken> {
    const latest = this.tokens.get(key);
    if (latest && latest !== stale) return latest;
    const login = this.login(url, realm, credentials);
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

  /** Runs `report` the first time the legacy admin credentials are used by this process; a failed report is tried again next time. */
  async warnOfLegacyCredentials(report: () => Promise<void>): Promise<void> {
    this.legacyReported ??= report().catch((error: unknown) => {
      this.legacyReported = undefined;
      throw error;
    });
    await this.legacyReported.catch(() => undefined);
  }

  /** Forgets every token, after Keycloak refused one (it restarted, or the user changed). */
  invalidate(): void {
    this.tokens.clear();
  }
}
