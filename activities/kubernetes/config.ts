import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { Settings } from '../../config/settings';
import type { KeycloakSettings, ProvisioningConfig } from '../../model/provisioning';
import { APPROVED_REALMS_KEY } from '../../model/config-keys';
import type { AdminCredentials } from '../keycloak/admin';
import { isNotFound } from '../../model/errors';
import { ConfigKey, configValue } from '../../model/config-keys';
import { metadataOnlyRead, unlessMissing, type KubeClients } from './clients';
import { readOperatorObjects, type OperatorObjects } from './operator-objects';
import { ADMIN_SECRET, NAMESPACE_CONFIG, OPERATOR_CONFIG } from '../../model/names';


const readConfigMap = (k8s: KubeClients, namespace: string, name: string): Promise<V1ConfigMap | undefined> => unlessMissing(k8s.core.readNamespacedConfigMap({ namespace, name }));

/** Why KEYCLOAK_URL cannot be used, or undefined when it is an http(s) URL. */
export function keycloakUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `KEYCLOAK_URL '${url}' is not a URL`;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? undefined : `KEYCLOAK_URL '${url}' is not an http or https URL`;
}

/** `<origin><path>` of a Keycloak base URL, as the approvals compare it: no trailing slash, host in lower case, no default port. */
function canonicalUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `<KEYCLOAK_URL>/realms/<KEYCLOAK_REALM>`: a realm as Keycloak names it in its issuer, and as the approvals list it. */
export function realmAddress(keycloak: Pick<KeycloakSettings, 'url' | 'realm'>): string {
  return `${canonicalUrl(keycloak.url)}/realms/${keycloak.realm}`;
}

/**
 * The realms a namespace's own authbridge-config may name: those APPROVED_KEYCLOAK_REALMS lists in
 * the operator config (`<KEYCLOAK_URL>/realms/<realm>`, separated by spaces, commas or new lines),
 * and the operator config's own realm. The entries that are not of that form are returned apart.
 */
export function approvedRealms(operatorData: Record<string, string> | undefined): { approved: Set<string>; invalid: string[] } {
  const approved = new Set<string>();
  const invalid: string[] = [];
  for (const entry of (operatorData?.[APPROVED_REALMS_KEY] ?? '').split(/[\s,]+/).filter(Boolean)) {
    const at = entry.lastIndexOf('/realms/');
    const url = entry.slice(0, Math.max(at, 0));
    const realm = entry.slice(at + '/realms/'.length);
    if (at <= 0 || !realm || realm.includes('/') || keycloakUrlProblem(url)) invalid.push(entry);
    else approved.add(realmAddress({ url, realm }));
  }
  if (operatorData?.KEYCLOAK_URL && operatorData.KEYCLOAK_REALM && !keycloakUrlProblem(operatorData.KEYCLOAK_URL)) {
    approved.add(realmAddress({ url: operatorData.KEYCLOAK_URL, realm: operatorData.KEYCLOAK_REALM }));
  }
  return { approved, invalid };
}

/**
 * Why the Keycloak settings in force cannot be used, if they cannot: a KEYCLOAK_URL that is no
 * http(s) URL, or a namespace's own config (written by its tenant) naming a realm the operator did
 * not approve. The provisioner's credentials go to an approved realm only, so no request at all is
 * made to any other (spec §4).
 */
function keycloakProblemOf(keycloak: KeycloakSettings, where: string, approvals: ReturnType<typeof approvedRealms>, operatorNamespace: string): ProvisioningConfig['keycloakProblem'] {
  const urlProblem = keycloakUrlProblem(keycloak.url);
  if (urlProblem) return { reason: 'KeycloakUrlInvalid', message: `ConfigMap ${where}: ${urlProblem}` };
  if (keycloak.source === 'operator' || approvals.approved.has(realmAddress(keycloak))) return undefined;
  const invalid = approvals.invalid.length > 0 ? `; entries not of the form <KEYCLOAK_URL>/realms/<realm>, ignored: ${approvals.invalid.join(' ')}` : '';
  return {
    reason: 'KeycloakRealmNotApproved',
    message:
      `ConfigMap ${where} names realm ${realmAddress(keycloak)}, which the operator has not approved; nothing is sent there. ` +
      `Approve it in ${APPROVED_REALMS_KEY} of ConfigMap ${operatorNamespace}/${OPERATOR_CONFIG}${invalid}`,
  };
}

/**
 * Keys whose effect reaches past one namespace: the platform clients that get every agent's
 * audience scope, and the realm's default scopes, which every client created later inherits. Only
 * the operator's ConfigMap sets them; in a tenant's authbridge-config they would let one tenant
 * put its audience into other tenants' tokens.
 */
const OPERATOR_ONLY_KEYS = ['PLATFORM_CLIENT_IDS', 'KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT'] as const;

/**
 * A ConfigMap is used only when it has both KEYCLOAK_URL and KEYCLOAK_REALM; the two are never
 * merged (spec §4), except that a namespace's own config takes the operator-only keys from the
 * operator's ConfigMap (`operatorData`), or their defaults.
 */
function keycloakSettings(data: Record<string, string> | undefined, source: KeycloakSettings['source'], operatorData: Record<string, string> = {}): KeycloakSettings | undefined {
  if (!data?.KEYCLOAK_URL || !data.KEYCLOAK_REALM) return undefined;
  const value = (key: ConfigKey) => configValue(data, key);
  const realmWide = (key: (typeof OPERATOR_ONLY_KEYS)[number]) => configValue(source === 'operator' ? data : operatorData, key);
  return {
    source,
    url: value('KEYCLOAK_URL').replace(/\/+$/, ''),
    realm: value('KEYCLOAK_REALM'),
    spireEnabled: value('SPIRE_ENABLED') === 'true',
    clientAuthType: value('CLIENT_AUTH_TYPE'),
    spiffeIdpAlias: value('SPIFFE_IDP_ALIAS'),
    tokenExchangeEnabled: value('KEYCLOAK_TOKEN_EXCHANGE_ENABLED') !== 'false',
    platformClientIds: realmWide('PLATFORM_CLIENT_IDS').split(',').map((s) => s.trim()).filter(Boolean),
    audienceScopeEnabled: value('KEYCLOAK_AUDIENCE_SCOPE_ENABLED') !== 'false',
    audienceScopeRealmDefault: realmWide('KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT') === 'true',
  };
}

/** The operator-only keys a tenant's config sets to something other than what is in force: ignored, and said so. */
function operatorOnlyKeysSet(data: Record<string, string> | undefined, operatorData: Record<string, string> = {}): string[] {
  return OPERATOR_ONLY_KEYS.filter((key) => data?.[key] && configValue(data, key) !== configValue(operatorData, key));
}

/**
 * The admin credentials, from the operator namespace only: never from an agent namespace, whose
 * compromise must not yield realm admin (spec §4). The service-account client wins when both of its
 * keys are there; else the legacy username and password. Undefined when neither is complete.
 */
function adminCredentialsOf(secret: V1Secret | undefined): AdminCredentials | undefined {
  const value = (key: string) => (secret?.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined);
  const [clientId, clientSecret] = [value('KEYCLOAK_CLIENT_ID'), value('KEYCLOAK_CLIENT_SECRET')];
  if (clientId && clientSecret) return { kind: 'service-account', clientId, clientSecret };
  const [username, password] = [value('KEYCLOAK_ADMIN_USERNAME'), value('KEYCLOAK_ADMIN_PASSWORD')];
  if (username && password) return { kind: 'legacy-admin', username, password };
  return undefined;
}

/** The admin credentials as `operator` holds them; missing or incomplete there, read afresh. */
export async function adminCredentials(operator: OperatorObjects): Promise<AdminCredentials | undefined> {
  const credentials = adminCredentialsOf(await operator.adminSecret());
  return credentials || !operator.afresh ? credentials : adminCredentials(operator.afresh);
}

/** The admin credentials, read from the operator namespace now. */
export function readAdminCredentials(k8s: KubeClients, operatorNamespace: string): Promise<AdminCredentials | undefined> {
  return adminCredentials(readOperatorObjects(k8s, operatorNamespace));
}

/** Whether a Secret exists, asked for its metadata only: a tenant's Secret data never reaches the worker. */
async function secretExists(k8s: KubeClients, namespace: string, name: string): Promise<boolean> {
  try {
    await k8s.core.readNamespacedSecret({ namespace, name }, metadataOnlyRead());
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * The Keycloak settings in force in each of `namespaces` and usable there: the operator config
 * when it is complete (one read for all), else each namespace's own authbridge-config when the
 * operator approved its realm (spec §4).
 */
export async function keycloakSettingsOf(k8s: KubeClients, settings: Settings, namespaces: Iterable<string>): Promise<Map<string, KeycloakSettings | undefined>> {
  const operatorData = (await readConfigMap(k8s, settings.operatorNamespace, OPERATOR_CONFIG))?.data;
  const operator = keycloakSettings(operatorData, 'operator');
  const approvals = approvedRealms(operatorData);
  const usable = (keycloak: KeycloakSettings | undefined) => (keycloak && !keycloakProblemOf(keycloak, '', approvals, settings.operatorNamespace) ? keycloak : undefined);
  const entries = await Promise.all(
    [...namespaces].map(async (namespace) => [namespace, usable(operator ?? keycloakSettings((await readConfigMap(k8s, namespace, NAMESPACE_CONFIG))?.data, 'namespace', operatorData))] as const),
  );
  return new Map(entries);
}

/**
 * Everything a pass decides on besides the namespace itself: flags, Keycloak settings, admin Secret
 * presence. The operator's ConfigMap and admin Secret come from `operator`; when what they say is
 * not usable, they are read afresh first, so a fix a copy lags behind is not missed.
 */
export async function resolveProvisioningConfig(
  k8s: KubeClients,
  settings: Settings,
  namespace: string,
  operator: OperatorObjects = readOperatorObjects(k8s, settings.operatorNamespace),
): Promise<ProvisioningConfig> {
  const operatorData = (await operator.operatorConfig())?.data;
  let keycloak = keycloakSettings(operatorData, 'operator');
  let ignoredKeys: string[] = [];
  if (!keycloak) {
    const namespaceData = (await readConfigMap(k8s, namespace, NAMESPACE_CONFIG))?.data;
    keycloak = keycloakSettings(namespaceData, 'namespace', operatorData);
    if (keycloak) ignoredKeys = operatorOnlyKeysSet(namespaceData, operatorData);
  }
  const where = keycloak?.source === 'operator' ? `${settings.operatorNamespace}/${OPERATOR_CONFIG}` : `${namespace}/${NAMESPACE_CONFIG}`;
  const keycloakProblem = keycloak && keycloakProblemOf(keycloak, where, approvedRealms(operatorData), settings.operatorNamespace);
  const [adminSecret, adminInWorkloadNamespace] = await Promise.all([
    operator.adminSecret(),
    namespace === settings.operatorNamespace ? Promise.resolve(false) : secretExists(k8s, namespace, ADMIN_SECRET),
  ]);
  const admin = adminCredentialsOf(adminSecret);
  if (operator.afresh && (!keycloak || keycloakProblem || !admin)) return resolveProvisioningConfig(k8s, settings, namespace, operator.afresh);
  return {
    waypointProvisioning: settings.enableWaypointProvisioning,
    clientRegistration: settings.enableOperatorClientRegistration,
    injectTools: settings.injectTools,
    removeWhenEmpty: settings.removeWhenEmpty,
    spireTrustDomain: settings.spireTrustDomain,
    waypointReadyTimeoutSeconds: settings.waypointReadyTimeoutSeconds,
    retryIntervalSeconds: settings.retryIntervalSeconds,
    keycloak: keycloakProblem ? undefined : keycloak,
    keycloakProblem,
    adminSecretReady: admin !== undefined,
    adminSecretInWorkloadNamespace: adminInWorkloadNamespace,
    ...(ignoredKeys.length > 0 ? { operatorOnlyKeysIgnored: ignoredKeys } : {}),
  };
}
