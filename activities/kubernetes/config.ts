import type { V1ConfigMap } from '@kubernetes/client-node';
import type { Settings } from '../../config/settings';
import type { KeycloakSettings, ProvisioningConfig } from '../../model/provisioning';
import type { AdminCredentials } from '../keycloak/admin';
import { isNotFound } from '../../model/errors';
import { ConfigKey, configValue } from '../../model/config-keys';
import type { KubeClients } from './clients';
import { ADMIN_SECRET, NAMESPACE_CONFIG, OPERATOR_CONFIG } from '../../model/names';


async function readConfigMap(k8s: KubeClients, namespace: string, name: string): Promise<V1ConfigMap | undefined> {
  try {
    return await k8s.core.readNamespacedConfigMap({ namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

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

/** A ConfigMap is used only when it has both KEYCLOAK_URL and KEYCLOAK_REALM; the two are never merged (spec §4). */
function keycloakSettings(data: Record<string, string> | undefined, source: KeycloakSettings['source']): KeycloakSettings | undefined {
  if (!data?.KEYCLOAK_URL || !data.KEYCLOAK_REALM) return undefined;
  const value = (key: ConfigKey) => configValue(data, key);
  return {
    source,
    url: value('KEYCLOAK_URL').replace(/\/+$/, ''),
    realm: value('KEYCLOAK_REALM'),
    spireEnabled: value('SPIRE_ENABLED') === 'true',
    clientAuthType: value('CLIENT_AUTH_TYPE'),
    spiffeIdpAlias: value('SPIFFE_IDP_ALIAS'),
    tokenExchangeEnabled: value('KEYCLOAK_TOKEN_EXCHANGE_ENABLED') !== 'false',
    platformClientIds: value('PLATFORM_CLIENT_IDS').split(',').map((s) => s.trim()).filter(Boolean),
    audienceScopeEnabled: value('KEYCLOAK_AUDIENCE_SCOPE_ENABLED') !== 'false',
    audienceScopeRealmDefault: value('KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT') === 'true',
  };
}

/**
 * Reads the admin credentials from the operator namespace only: never from an agent namespace,
 * whose compromise must not yield realm admin (spec §4). Undefined when absent or incomplete.
 */
export async function readAdminCredentials(k8s: KubeClients, operatorNamespace: string): Promise<AdminCredentials | undefined> {
  try {
    const secret = await k8s.core.readNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET });
    const username = secret.data?.KEYCLOAK_ADMIN_USERNAME;
    const password = secret.data?.KEYCLOAK_ADMIN_PASSWORD;
    if (!username || !password) return undefined;
    return { username: Buffer.from(username, 'base64').toString('utf8'), password: Buffer.from(password, 'base64').toString('utf8') };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function secretExists(k8s: KubeClients, namespace: string, name: string): Promise<boolean> {
  try {
    await k8s.core.readNamespacedSecret({ namespace, name });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * The Keycloak settings in force in each of `namespaces`: the operator config when it is complete
 * (one read for all), else each namespace's own authbridge-config (spec §4).
 */
export async function keycloakSettingsOf(k8s: KubeClients, settings: Settings, namespaces: Iterable<string>): Promise<Map<string, KeycloakSettings | undefined>> {
  const operator = keycloakSettings((await readConfigMap(k8s, settings.operatorNamespace, OPERATOR_CONFIG))?.data, 'operator');
  const usable = (keycloak: KeycloakSettings | undefined) => (keycloak && !keycloakUrlProblem(keycloak.url) ? keycloak : undefined);
  const entries = await Promise.all(
    [...namespaces].map(async (namespace) => [namespace, usable(operator ?? keycloakSettings((await readConfigMap(k8s, namespace, NAMESPACE_CONFIG))?.data, 'namespace'))] as const),
  );
  return new Map(entries);
}

/** Everything a pass decides on besides the namespace itself: flags, Keycloak settings, admin Secret presence. */
export async function resolveProvisioningConfig(k8s: KubeClients, settings: Settings, namespace: string): Promise<ProvisioningConfig> {
  const operatorConfig = await readConfigMap(k8s, settings.operatorNamespace, OPERATOR_CONFIG);
  let keycloak = keycloakSettings(operatorConfig?.data, 'operator');
  if (!keycloak) keycloak = keycloakSettings((await readConfigMap(k8s, namespace, NAMESPACE_CONFIG))?.data, 'namespace');
  const [admin, adminInWorkloadNamespace] = await Promise.all([
    readAdminCredentials(k8s, settings.operatorNamespace),
    namespace === settings.operatorNamespace ? Promise.resolve(false) : secretExists(k8s, namespace, ADMIN_SECRET),
  ]);
  const urlProblem = keycloak && keycloakUrlProblem(keycloak.url);
  const where = keycloak?.source === 'operator' ? `${settings.operatorNamespace}/${OPERATOR_CONFIG}` : `${namespace}/${NAMESPACE_CONFIG}`;
  return {
    waypointProvisioning: settings.enableWaypointProvisioning,
    clientRegistration: settings.enableOperatorClientRegistration,
    injectTools: settings.injectTools,
    removeWhenEmpty: settings.removeWhenEmpty,
    spireTrustDomain: settings.spireTrustDomain,
    waypointReadyTimeoutSeconds: settings.waypointReadyTimeoutSeconds,
    retryIntervalSeconds: settings.retryIntervalSeconds,
    keycloak: urlProblem ? undefined : keycloak,
    keycloakProblem: urlProblem ? { reason: 'KeycloakUrlInvalid', message: `ConfigMap ${where}: ${urlProblem}` } : undefined,
    adminSecretReady: admin !== undefined,
    adminSecretInWorkloadNamespace: adminInWorkloadNamespace,
  };
}
