import type { Settings } from '../../config/settings';
import type { PreflightCheck, WorkloadName } from '../../model/migration';
import type { ProvisioningConfig } from '../../model/provisioning';
import { isNotFound } from '../../model/errors';
import { RegistrationDeps, withAdmin } from '../registration/admin-session';
import { resolveProvisioningConfig } from '../kubernetes/config';
import { ADMIN_SECRET, OPERATOR_CONFIG } from '../../model/names';
import { ADMIN_SECRET_INCOMPLETE } from '../../model/config-keys';
import { WAYPOINT_GATEWAY_CLASS } from '../../model/labels';
import { inspectNamespace } from '../kubernetes/namespaces';

const ISTIO_NAMESPACE = 'istio-system';

/** Runs one check; an unexpected error fails the check with its message instead of hiding the others. */
async function check(name: string, probe: () => Promise<string | undefined>, okMessage: string): Promise<PreflightCheck> {
  try {
    const problem = await probe();
    return { name, ok: problem === undefined, message: problem ?? okMessage };
  } catch (error) {
    return { name, ok: false, message: isNotFound(error) ? 'not found' : (error as Error).message };
  }
}

/** A probe that passes when `read` finds the object, and names it as missing when the API says 404. */
const exists = (what: string, read: () => Promise<unknown>) => async (): Promise<string | undefined> => {
  try {
    await read();
    return undefined;
  } catch (error) {
    if (isNotFound(error)) return `${what} is missing`;
    throw error;
  }
};

/**
 * istiod is present and owns waypoints: the GatewayClass istio-waypoint exists and istiod has
 * accepted it (only a running istiod writes that status). Undefined when so, else what is wrong.
 */
async function waypointClassAccepted(custom: RegistrationDeps['k8s']['custom']): Promise<string | undefined> {
  let gatewayClass: { status?: { conditions?: { type: string; status: string; message?: string }[] } };
  try {
    gatewayClass = (await custom.getClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: WAYPOINT_GATEWAY_CLASS })) as typeof gatewayClass;
  } catch (error) {
    if (isNotFound(error)) return `GatewayClass ${WAYPOINT_GATEWAY_CLASS} (or the Gateway API CRDs) is missing: is Istio ambient installed?`;
    throw error;
  }
  const accepted = gatewayClass.status?.conditions?.find((c) => c.type === 'Accepted');
  if (accepted?.status === 'True') return undefined;
  return `GatewayClass ${WAYPOINT_GATEWAY_CLASS} is not accepted by istiod${accepted?.message ? `: ${accepted.message}` : ' (no istiod has taken it)'}`;
}

/**
 * The prerequisites of a migration (spec §8, phase 1), all checked every time so that one look
 * lists everything missing. Nothing is changed. Returns the config so the workflow can use it.
 */
export async function runPreflight(deps: RegistrationDeps & { settings: Settings }, namespace: string, migrationId: string): Promise<{ checks: PreflightCheck[]; config: ProvisioningConfig; workloads: WorkloadName[] }> {
  const { apps, custom } = deps.k8s;
  const [config, snapshot] = await Promise.all([resolveProvisioningConfig(deps.k8s, deps.settings, namespace), inspectNamespace(deps.k8s, namespace)]);
  const workloads = snapshot.workloads.map(({ kind, name }) => ({ kind, name }));
  const operatorNs = deps.settings.operatorNamespace;
  const checks = await Promise.all([
    check(
      'namespace',
      async () => {
        if (!snapshot.exists) return `Namespace ${namespace} is missing`;
        if (snapshot.terminating) return `Namespace ${namespace} is being deleted`;
        if (snapshot.heldByMigration && snapshot.heldByMigration !== migrationId) return `Namespace ${namespace} is held by ${snapshot.heldByMigration}`;
        return workloads.length === 0 ? `Namespace ${namespace} has no agent or tool Deployment or StatefulSet to migrate` : undefined;
      },
      `Namespace ${namespace} exists and has agent workloads`,
    ),
    check('ztunnel', exists(`DaemonSet ${ISTIO_NAMESPACE}/ztunnel`, () => apps.readNamespacedDaemonSet({ namespace: ISTIO_NAMESPACE, name: 'ztunnel' })), `DaemonSet ${ISTIO_NAMESPACE}/ztunnel exists`),
    check('gateway-class', () => waypointClassAccepted(custom), `GatewayClass ${WAYPOINT_GATEWAY_CLASS} is accepted by istiod`),
    check(
      'operator-config',
      async () => (config.keycloak?.source === 'operator' ? undefined : `ConfigMap ${operatorNs}/${OPERATOR_CONFIG} is missing or lacks KEYCLOAK_URL and KEYCLOAK_REALM`),
      `ConfigMap ${operatorNs}/${OPERATOR_CONFIG} has KEYCLOAK_URL and KEYCLOAK_REALM`,
    ),
    check(
      'admin-secret',
      async () => (config.adminSecretReady ? undefined : `Secret ${operatorNs}/${ADMIN_SECRET} ${ADMIN_SECRET_INCOMPLETE}`),
      `Secret ${operatorNs}/${ADMIN_SECRET} is complete`,
    ),
    check(
      'keycloak',
      async () => {
        if (!config.keycloak || !config.adminSecretReady) return 'not checked: the Keycloak config or the admin Secret is missing';
        const keycloak = config.keycloak;
        const realm = await withAdmin(deps, keycloak, (admin) => admin.realms.findOne({ realm: keycloak.realm })).catch((error: Error) => {
          throw new Error(`Keycloak at ${keycloak.url} did not answer an admin login: ${error.message}`);
        });
        return realm ? undefined : `Keycloak has no realm ${keycloak.realm}`;
      },
      `Keycloak answers and has realm ${config.keycloak?.realm ?? ''}`,
    ),
  ]);
  return { checks, config, workloads };
}
