import type { Settings } from '../../config/settings';
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { PreflightCheck, WorkloadName } from '../../workflows/migration/types';
import type { ProvisioningConfig } from '../../workflows/types';
import { isNotFound } from '../errors';
import { RegistrationDeps, withAdmin } from '../keycloak/registration';
import { ADMIN_SECRET, OPERATOR_CONFIG, resolveProvisioningConfig } from '../kubernetes/config';
import { AGENT_TYPES, TYPE_LABEL, WAYPOINT_GATEWAY_CLASS } from '../kubernetes/desired';
import { MIGRATION_ANNOTATION } from './desired';

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

const missingIfNotFound = (what: string) => (error: unknown) => {
  if (isNotFound(error)) return `${what} is missing`;
  throw error;
};

/** The agent and tool Deployments and StatefulSets of the namespace (none when it does not exist). */
async function agentWorkloads(deps: RegistrationDeps, namespace: string): Promise<WorkloadName[]> {
  const isAgent = (w: V1Deployment | V1StatefulSet) => AGENT_TYPES.has(w.spec?.template.metadata?.labels?.[TYPE_LABEL] ?? '');
  const [deployments, statefulSets] = await Promise.all([deps.k8s.apps.listNamespacedDeployment({ namespace }), deps.k8s.apps.listNamespacedStatefulSet({ namespace })]);
  return [
    ...deployments.items.filter(isAgent).map((d) => ({ kind: 'Deployment' as const, name: d.metadata!.name! })),
    ...statefulSets.items.filter(isAgent).map((s) => ({ kind: 'StatefulSet' as const, name: s.metadata!.name! })),
  ].sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/**
 * The prerequisites of a migration (spec §8, phase 1), all checked every time so that one look
 * lists everything missing. Nothing is changed. Returns the config so the workflow can use it.
 */
export async function runPreflight(deps: RegistrationDeps & { settings: Settings }, namespace: string, migrationId: string): Promise<{ checks: PreflightCheck[]; config: ProvisioningConfig; workloads: WorkloadName[] }> {
  const { core, apps, custom } = deps.k8s;
  const [config, workloads] = await Promise.all([resolveProvisioningConfig(deps.k8s, deps.settings, namespace), agentWorkloads(deps, namespace)]);
  const operatorNs = deps.settings.operatorNamespace;
  const checks = await Promise.all([
    check(
      'namespace',
      async () => {
        const ns = await core.readNamespace({ name: namespace }).catch(missingIfNotFound(`Namespace ${namespace}`));
        if (typeof ns === 'string') return ns;
        if (ns.metadata?.deletionTimestamp) return `Namespace ${namespace} is being deleted`;
        const holder = ns.metadata?.annotations?.[MIGRATION_ANNOTATION];
        if (holder && holder !== migrationId) return `Namespace ${namespace} is held by ${holder}`;
        return workloads.length === 0 ? `Namespace ${namespace} has no agent or tool Deployment or StatefulSet to migrate` : undefined;
      },
      `Namespace ${namespace} exists and has agent workloads`,
    ),
    check(
      'ztunnel',
      async () => {
        const ds = await apps.readNamespacedDaemonSet({ namespace: ISTIO_NAMESPACE, name: 'ztunnel' }).catch(missingIfNotFound(`DaemonSet ${ISTIO_NAMESPACE}/ztunnel`));
        return typeof ds === 'string' ? ds : undefined;
      },
      `DaemonSet ${ISTIO_NAMESPACE}/ztunnel exists`,
    ),
    check(
      'istiod',
      async () => {
        const d = await apps.readNamespacedDeployment({ namespace: ISTIO_NAMESPACE, name: 'istiod' }).catch(missingIfNotFound(`Deployment ${ISTIO_NAMESPACE}/istiod`));
        return typeof d === 'string' ? d : undefined;
      },
      `Deployment ${ISTIO_NAMESPACE}/istiod exists`,
    ),
    check(
      'gateway-class',
      async () => {
        const gc = await custom
          .getClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: WAYPOINT_GATEWAY_CLASS })
          .catch(missingIfNotFound(`GatewayClass ${WAYPOINT_GATEWAY_CLASS} (or the Gateway API CRDs)`));
        return typeof gc === 'string' ? gc : undefined;
      },
      `GatewayClass ${WAYPOINT_GATEWAY_CLASS} exists`,
    ),
    check(
      'operator-config',
      async () => (config.keycloak?.source === 'operator' ? undefined : `ConfigMap ${operatorNs}/${OPERATOR_CONFIG} is missing or lacks KEYCLOAK_URL and KEYCLOAK_REALM`),
      `ConfigMap ${operatorNs}/${OPERATOR_CONFIG} has KEYCLOAK_URL and KEYCLOAK_REALM`,
    ),
    check(
      'admin-secret',
      async () => (config.adminSecretReady ? undefined : `Secret ${operatorNs}/${ADMIN_SECRET} is missing or lacks KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD`),
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
