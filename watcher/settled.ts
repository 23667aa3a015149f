import type { KubernetesObject } from '@kubernetes/client-node';
import { desiredWaypointGateway, gatewayDrift, waypointVerdict, type GatewayObject } from '../model/waypoint-gateway';
import { CREDENTIALS_ANNOTATION, REGISTRATION_INJECT_LABEL, STATUS_ANNOTATION, TYPE_LABEL } from '../model/labels';
import { ambientLabels, credentialsSecretName } from '../model/names';

/** What the watcher's caches hold of one namespace. */
export interface CachedNamespace {
  namespace: KubernetesObject;
  /** Its Deployments and StatefulSets whose pod template is an agent's or a tool's. */
  workloads: KubernetesObject[];
  /** Its waypoint Gateway, if any. */
  gateway?: KubernetesObject;
  /** Names of the credentials Secrets in it. */
  secrets: ReadonlySet<string>;
}

/** The process settings that decide what a settled namespace has. */
export interface SettledOptions {
  waypointProvisioning: boolean;
  clientRegistration: boolean;
  injectTools: boolean;
}

interface Template {
  spec?: { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } };
}

/**
 * Why a namespace needs a pass when a watcher takes over, or undefined when everything the caches
 * show is as a finished pass leaves it: the status annotation says Ready for as many workloads as
 * there are, the ambient labels and the waypoint are in place and Programmed, and every workload
 * that gets a client carries its credentials annotation with its Secret present. What a watch
 * cannot show (Keycloak) is the audit's to find. Pure, so the takeover costs no pass per settled
 * namespace.
 */
export function unsettledReason(cached: CachedNamespace, options: SettledOptions): string | undefined {
  const name = cached.namespace.metadata?.name ?? '';
  let status: { phase?: string; agents?: number; waypointReady?: boolean };
  try {
    status = JSON.parse(cached.namespace.metadata?.annotations?.[STATUS_ANNOTATION] ?? 'null') ?? {};
  } catch {
    return 'its status annotation is unreadable';
  }
  if (status.phase !== 'Ready') return `its last pass left it ${status.phase ?? 'never provisioned'}`;
  if (status.agents !== cached.workloads.length) return `it has ${cached.workloads.length} agent workloads, its last pass saw ${status.agents}`;
  if (options.waypointProvisioning) {
    const labels = cached.namespace.metadata?.labels ?? {};
    if (Object.entries(ambientLabels(name)).some(([key, value]) => labels[key] !== value)) return 'its ambient labels differ';
    if (!cached.gateway) return 'its waypoint Gateway is missing';
    if (gatewayDrift(cached.gateway as GatewayObject, desiredWaypointGateway(name)).length > 0) return 'its waypoint Gateway differs';
    if (!status.waypointReady || !waypointVerdict(cached.gateway as GatewayObject).ready) return 'its waypoint is not Programmed';
  }
  if (options.clientRegistration) {
    for (const workload of cached.workloads as (KubernetesObject & Template)[]) {
      const template = workload.spec?.template?.metadata;
      const legacy = template?.annotations?.[REGISTRATION_INJECT_LABEL] === 'true' || template?.labels?.[REGISTRATION_INJECT_LABEL] === 'true';
      if (legacy || (template?.labels?.[TYPE_LABEL] === 'tool' && !options.injectTools)) continue;
      const secret = credentialsSecretName(name, workload.metadata?.name ?? '');
      if (template?.annotations?.[CREDENTIALS_ANNOTATION] !== secret) return `${workload.metadata?.name} lacks its credentials annotation`;
      if (!cached.secrets.has(secret)) return `the credentials Secret of ${workload.metadata?.name} is missing`;
    }
  }
  return undefined;
}
