import { CoreV1Api, KubeConfig, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { StackState } from '../stack/state';
import { isConflict } from '../../model/errors';

async function createOrReplace<T extends V1ConfigMap | V1Secret>(create: () => Promise<T>, replace: () => Promise<T>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isConflict(error)) throw error;
    await replace();
  }
}

/**
 * Prepares the operator namespace of the local mode as an operator install would: the
 * kagenti-operator-config ConfigMap pointing at the embedded Keycloak (plus any `extraConfig` keys)
 * and the keycloak-admin-secret.
 */
export async function prepareOperatorNamespace(kc: KubeConfig, state: StackState, namespace: string, extraConfig: Record<string, string> = {}): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  const config: V1ConfigMap = { metadata: { name: 'kagenti-operator-config' }, data: { KEYCLOAK_URL: state.keycloak.url, KEYCLOAK_REALM: state.keycloak.realm, ...extraConfig } };
  await createOrReplace(
    () => core.createNamespacedConfigMap({ namespace, body: config }),
    () => core.replaceNamespacedConfigMap({ namespace, name: 'kagenti-operator-config', body: config }),
  );
  const secret: V1Secret = {
    metadata: { name: 'keycloak-admin-secret' },
    // The provisioner's own least-privilege client of the realm, as an install holds it (docs/security.md).
    stringData: { KEYCLOAK_CLIENT_ID: state.keycloak.provisioner.clientId, KEYCLOAK_CLIENT_SECRET: state.keycloak.provisioner.clientSecret },
  };
  await createOrReplace(
    () => core.createNamespacedSecret({ namespace, body: secret }),
    () => core.replaceNamespacedSecret({ namespace, name: 'keycloak-admin-secret', body: secret }),
  );
}
