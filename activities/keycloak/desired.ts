import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import { MANAGED_ATTRIBUTE, MANAGED_BY, NAMESPACE_ATTRIBUTE, WORKLOAD_ATTRIBUTE } from '../../model/labels';
import type { KeycloakSettings } from '../../model/provisioning';

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
