import type { KeycloakAudit, KeycloakSettings } from '../../model/provisioning';
import { keycloakSettingsOf, readAdminCredentials } from '../kubernetes/config';
import { listCredentialsSecrets } from '../kubernetes/secrets';
import { readRealmInventory } from '../keycloak/realm-inventory';
import { RegistrationDeps, withAdmin } from '../registration/admin-session';
import { keycloakDrift } from './keycloak-drift';

/**
 * Namespaces one audit hands to its workflow at most: their names travel in the workflow's history,
 * which must stay well below Temporal's payload limits; the next audit finds the rest.
 */
export const MAX_OUT_OF_LINE = 10_000;
/** Namespaces whose reasons go into the audit's result, for the Temporal UI. */
const EXAMPLES = 20;

/**
 * One audit: the credentials Secrets in one list, each realm in force in a few list requests, and
 * the namespaces that differ. Its cost grows with the realm's size once per interval, never with
 * passes; settled namespaces that match are not touched.
 */
export async function auditKeycloak(deps: RegistrationDeps): Promise<{ audit: KeycloakAudit; drift: Map<string, string[]> }> {
  const { k8s, settings } = deps;
  if (!(await readAdminCredentials(k8s, settings.operatorNamespace))) {
    return { audit: { ...NOTHING, skipped: `Secret ${settings.operatorNamespace}/keycloak-admin-secret is missing or incomplete` }, drift: new Map() };
  }
  const secrets = await listCredentialsSecrets(k8s);
  const settingsByNamespace = await keycloakSettingsOf(k8s, settings, new Set([settings.operatorNamespace, ...secrets.map((s) => s.namespace)]));
  const operator = settingsByNamespace.get(settings.operatorNamespace);
  // The realms in force: the operator's, or those of the namespaces' own configs.
  const realms = new Map<string, KeycloakSettings>();
  for (const keycloak of operator ? [operator] : settingsByNamespace.values()) if (keycloak) realms.set(`${keycloak.url}\x00${keycloak.realm}`, keycloak);
  if (realms.size === 0) return { audit: { ...NOTHING, skipped: 'no complete Keycloak config (KEYCLOAK_URL and KEYCLOAK_REALM) is in force' }, drift: new Map() };

  const audited: KeycloakAudit['realms'] = [];
  const found = new Map<string, string[]>();
  for (const [key, keycloak] of realms) {
    const inRealm = secrets.filter((s) => {
      const own = settingsByNamespace.get(s.namespace);
      return own !== undefined && `${own.url}\x00${own.realm}` === key;
    });
    const platformClientIds = [...new Set(inRealm.flatMap((s) => settingsByNamespace.get(s.namespace)!.platformClientIds).concat(keycloak.platformClientIds))];
    // One realm that cannot be read (away, or refusing) does not keep the others from their audit.
    const inventory = await withAdmin(deps, keycloak, (admin) => readRealmInventory(admin, keycloak, platformClientIds)).catch((error: Error) => error);
    if (inventory instanceof Error) {
      audited.push({ url: keycloak.url, realm: keycloak.realm, managedClients: 0, credentialsSecrets: inRealm.length, failed: inventory.message });
      continue;
    }
    for (const [namespace, reasons] of keycloakDrift(inRealm, (namespace) => settingsByNamespace.get(namespace) ?? keycloak, inventory)) {
      found.set(namespace, [...(found.get(namespace) ?? []), ...reasons]);
    }
    audited.push({ url: keycloak.url, realm: keycloak.realm, managedClients: inventory.clients.size, credentialsSecrets: inRealm.length });
  }
  const namespaces = [...found.keys()].sort();
  return {
    audit: {
      realms: audited,
      outOfLine: namespaces.slice(0, MAX_OUT_OF_LINE),
      outOfLineCount: namespaces.length,
      examples: namespaces.slice(0, EXAMPLES).map((namespace) => ({ namespace, reasons: found.get(namespace)! })),
    },
    drift: found,
  };
}

const NOTHING: KeycloakAudit = { realms: [], outOfLine: [], outOfLineCount: 0, examples: [] };
