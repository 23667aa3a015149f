import type { KeycloakSettings } from '../../model/provisioning';
import { AUDIENCE_MAPPER, desiredMapper, isScopeOf, mapperDrifted } from '../keycloak/client-scopes';
import { clientDrift } from '../keycloak/compare';
import { desiredClient } from '../keycloak/desired';
import { NAMESPACE_ATTRIBUTE, WORKLOAD_ATTRIBUTE } from '../../model/labels';
import { audienceScopeName } from '../../model/names';
import type { RealmInventory } from '../keycloak/realm-inventory';
import type { CredentialsSecret } from '../kubernetes/secrets';

/**
 * Where one realm differs from what the cluster's credentials Secrets say, by namespace, in words
 * (names only: a client secret is compared here and never written into a reason). Pure: the
 * audit reads both sides once and this decides which namespaces need a pass.
 */
export function keycloakDrift(secrets: CredentialsSecret[], settingsOf: (namespace: string) => KeycloakSettings, realm: RealmInventory): Map<string, string[]> {
  const drift = new Map<string, string[]>();
  const report = (namespace: string, reason: string) => drift.set(namespace, [...(drift.get(namespace) ?? []), reason]);
  const expected = new Set<string>();

  for (const secret of secrets) {
    const { namespace, workload, clientId } = secret;
    const settings = settingsOf(namespace);
    expected.add(`${namespace}\x00${workload}`);
    const client = realm.clients.get(clientId);
    if (!client) {
      report(namespace, `client ${clientId} is missing`);
      continue;
    }
    const fields = clientDrift(client, desiredClient(namespace, workload, clientId, settings));
    if (fields.length > 0) report(namespace, `client ${clientId} differs in ${fields.join(', ')}`);
    if (settings.clientAuthType === 'client-secret' && client.secret !== secret.clientSecret) report(namespace, `the secret of client ${clientId} differs from Secret ${secret.name}`);
    if (!settings.audienceScopeEnabled) continue;
    const name = audienceScopeName(namespace, workload);
    const scope = realm.scopes.get(name);
    const mapper = scope?.protocolMappers?.find((m) => m.name === AUDIENCE_MAPPER);
    if (!scope) report(namespace, `audience scope ${name} is missing`);
    else if (!isScopeOf(scope, { namespace, workload })) report(namespace, `audience scope ${name} is marked for another namespace or workload`);
    else if (!mapper || mapperDrifted(mapper, desiredMapper(clientId))) report(namespace, `the audience mapper of scope ${name} differs`);
    else {
      for (const platform of settings.platformClientIds) {
        if (realm.platformDefaults.get(platform)?.has(scope.id!) === false) report(namespace, `audience scope ${name} is not a default scope of ${platform}`);
      }
    }
  }

  // A managed client with no credentials Secret: its workload or namespace is gone (or being registered right now).
  for (const client of realm.clients.values()) {
    const namespace = client.attributes?.[NAMESPACE_ATTRIBUTE];
    const workload = client.attributes?.[WORKLOAD_ATTRIBUTE];
    if (namespace && !expected.has(`${namespace}\x00${workload}`)) report(namespace, `client ${client.clientId} has no credentials Secret`);
  }
  return drift;
}
