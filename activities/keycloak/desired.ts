import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type { KeycloakSettings } from '../../workflows/types';
import { invalidWorkloadSpec } from '../errors';
import { MANAGED_BY } from '../kubernetes/desired';

export const MANAGED_ATTRIBUTE = 'kagenti.io/managed-by';
export const NAMESPACE_ATTRIBUTE = 'kagenti.io/namespace';
export const WORKLOAD_ATTRIBUTE = 'kagenti.io/workload';
export { MANAGED_BY };

/** `<namespace>/<workload>`, or with SPIRE `spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>` (spec §5). */
export function keycloakClientId(
  namespace: string,
  workload: { name: string; serviceAccountName: string },
  settings: Pick<KeycloakSettings, 'spireEnabled'>,
  spireTrustDomain: string,
): string {
  if (!settings.spireEnabled) return `${namespace}/${workload.name}`;
  if (!spireTrustDomain) {
    throw invalidWorkloadSpec('SPIRE_ENABLED is true but no SPIRE trust domain is set (--spire-trust-domain / SPIRE_TRUST_DOMAIN)');
  }
  const sa = workload.serviceAccountName;
  if (!sa || sa === 'default') {
    throw invalidWorkloadSpec(
      `${namespace}/${workload.name}: SPIRE_ENABLED is true, so its client id comes from its ServiceAccount, ` +
        `but it runs as ${sa ? "'default'" : 'no ServiceAccount'}; give it a dedicated serviceAccountName`,
    );
  }
  return `spiffe://${spireTrustDomain}/ns/${namespace}/sa/${sa}`;
}

/** The client representation the provisioner owns; every other field is left as the server has it. */
export function desiredClient(namespace: string, workload: string, clientId: string, settings: KeycloakSettings): ClientRepresentation {
  const attributes: Record<string, string> = {
    'standard.token.exchange.enabled': String(settings.tokenExchangeEnabled),
    [MANAGED_ATTRIBUTE]: MANAGED_BY,
    [NAMESPACE_ATTRIBUTE]: namespace,
    [WORKLOAD_ATTRIBUTE]: workload,
  };
  if (settings.clientAuthType === 'federated-jwt') {
    attributes['jwt.credential.issuer'] = settings.spiffeIdpAlias;
    attributes['jwt.credential.sub'] = clientId;
  }
  return {
    clientId,
    name: `${namespace}/${workload}`,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: true,
    fullScopeAllowed: false,
    clientAuthenticatorType: settings.clientAuthType,
    attributes,
  };
}

/** `agent-<namespace>-<workload>-aud` (spec §5). */
export function audienceScopeName(namespace: string, workload: string): string {
  return `agent-${namespace}-${workload}-aud`;
}
