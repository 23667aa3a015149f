import type { Settings } from '../../config/settings';
import type { KeycloakAudit, KeycloakSettings } from '../../workflows/types';
import { readAdminCredentials, keycloakSettingsOf } from '../kubernetes/config';
import type { KubeClients } from '../kubernetes/clients';
import { listCredentialsSecrets } from '../kubernetes/secrets';
import type { KeycloakAdminSessions } from '../keycloak/admin';
import { readRealmInventory } from '../keycloak/realm-inventory';
import { withAdmin } from '../keycloak/registration';
import { keycloakDrift } from './keycloak-drift';

/**
 * One audit: the credentials Secrets in one list, each realm in force in a few list requests, and
 * the namespaces that differ. Its cost grows with the realm's size once per interval, never with
 * passes; settled namespaces that match are not touched.
 */
export async function auditKeycloak(deps: { k8s: KubeClients; settings: Settings; sessions: KeycloakAdminSessions }): Promise<KeycloakAudit> {
  const { k8s, settings } = deps;
  if (!(await readAdminCredentials(k8s, settings.operatorNamespace))) {
    return { realms: [], drift: [], skipped: `Secret ${settings.operatorNamespace}/keycloak-admin-secret is missing or incomplete` };
  }
  const secrets = await listCredentialsSecrets(k8s);
  const settingsByNamespace = await keycloakSettingsOf(k8s, settings, [settings.operatorNamespace, ...secrets.map((s) => s.namespace)]);
  const operator = settingsByNamespace.get(settings.operatorNamespace);
  // The realms in force: the operator's, or those of the namespaces' own configs.
  const realms = new Map<string, KeycloakSettings>();
  for (const keycloak of operator ? [operator] : settingsByNamespace.values()) if (keycloak) realms.set(`${keycloak.url}\x00${keycloak.realm}`, keycloak);
  if (realms.size === 0) return { realms: [], drift: [], skipped: 'no complete Keycloak config (KEYCLOAK_URL and KEYCLOAK_REALM) is in force' };

  const audit: KeycloakAudit = { realms: [], drift: [] };
  const found = new Map<string, string[]>();
  for (const [key, keycloak] of realms) {
    const inRealm = secrets.filter((s) => {
      const own = settingsByNamespace.get(s.namespace);
      return own !== undefined && `${own.url}\x00${own.realm}` === key;
    });
    const platformClientIds = [...new Set(inRealm.flatMap((s) => settingsByNamespace.get(s.namespace)!.platformClientIds).concat(keycloak.platformClientIds))];
    const inventory = await withAdmin(deps, keycloak, (admin) => readRealmInventory(admin, platformClientIds));
    for (const [namespace, reasons] of keycloakDrift(inRealm, (namespace) => settingsByNamespace.get(namespace) ?? keycloak, inventory)) {
      found.set(namespace, [...(found.get(namespace) ?? []), ...reasons]);
    }
    audit.realms.push({ url: keycloak.url, realm: keycloak.realm, managedClients: inventory.clients.size, credentialsSecrets: inRealm.length });
  }
  audit.drift = [...found].map(([namespace, reasons]) => ({ namespace, reasons })).sort((a, b) => a.namespace.localeCompare(b.namespace));
  return audit;
}
