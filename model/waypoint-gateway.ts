import { GATEWAY_FIELD_MANAGER, WAYPOINT_FOR_LABEL, WAYPOINT_GATEWAY_CLASS } from './labels';
import { waypointGatewayName } from './names';

// Pure builders and readers of the Kubernetes objects the provisioner owns (spec §3).

/** The listener every waypoint has (spec §3); istiod refuses any other. */
export const MESH_LISTENER = { name: 'mesh', port: 15008, protocol: 'HBONE' } as const;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface GatewayObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string>; generation?: number; managedFields?: { manager?: string }[] };
  spec: { gatewayClassName: string; listeners: { name: string; port: number; protocol: string }[] };
  status?: { conditions?: Condition[]; listeners?: { name: string; conditions?: Condition[] }[] };
}

/** The waypoint Gateway with exactly the spec's fields (spec §3); written as GATEWAY_FIELD_MANAGER, which marks it as the provisioner's. */
export function desiredWaypointGateway(namespace: string): GatewayObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name: waypointGatewayName(namespace),
      namespace,
      labels: { [WAYPOINT_FOR_LABEL]: 'all' },
    },
    spec: { gatewayClassName: WAYPOINT_GATEWAY_CLASS, listeners: [{ ...MESH_LISTENER }] },
  };
}

/** Whether the provisioner wrote the Gateway (its managedFields name GATEWAY_FIELD_MANAGER). */
export function isOwnGateway(live: Pick<GatewayObject, 'metadata'>): boolean {
  return live.metadata?.managedFields?.some((f) => f.manager === GATEWAY_FIELD_MANAGER) ?? false;
}

/**
 * Whether a live Gateway of the waypoint's name belongs to someone else: not the provisioner's and
 * not a waypoint at all. A waypoint made by hand (`istioctl waypoint apply`) or by the reference
 * operator is adopted instead.
 */
export function isSomeoneElsesGateway(live: GatewayObject): boolean {
  return !isOwnGateway(live) && live.spec?.gatewayClassName !== WAYPOINT_GATEWAY_CLASS;
}

/** Names of the fields the provisioner owns that differ on the live Gateway (its label and spec). */
export function gatewayDrift(live: GatewayObject, desired: GatewayObject): string[] {
  const drift: string[] = [];
  if (live.metadata?.labels?.[WAYPOINT_FOR_LABEL] !== desired.metadata.labels[WAYPOINT_FOR_LABEL]) drift.push(`label ${WAYPOINT_FOR_LABEL}`);
  if (live.spec?.gatewayClassName !== desired.spec.gatewayClassName) drift.push('spec.gatewayClassName');
  const listeners = (live.spec?.listeners ?? []).map(({ name, port, protocol }) => ({ name, port, protocol }));
  if (JSON.stringify(listeners) !== JSON.stringify(desired.spec.listeners)) drift.push('spec.listeners');
  return drift;
}

/** istiod's verdict on a waypoint Gateway, as its status shows it. */
export interface WaypointVerdict {
  ready: boolean;
  /** istiod has answered for this generation and will not program it as it is: waiting longer changes nothing. */
  refused: boolean;
  reason: string;
  message: string;
}

/**
 * Whether istiod has judged the Gateway's current generation: a Programmed condition of that
 * generation that is True or False (the CRD's default is Unknown, "Waiting for controller").
 */
export function istiodHasAnswered(gateway: Pick<GatewayObject, 'metadata' | 'status'>): boolean {
  const generation = gateway.metadata?.generation ?? 0;
  const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
  return Boolean(programmed && programmed.status !== 'Unknown' && (programmed.observedGeneration ?? generation) >= generation);
}

/**
 * Readiness as Istio means it: `Programmed=True` for the Gateway's current generation **and** its
 * mesh listener accepted. istiod keeps a Gateway Programmed while refusing a listener it cannot
 * serve (`UnsupportedProtocol`); that is a refusal, not readiness. A status without listener
 * entries (an Istio that writes none) is judged by Programmed alone.
 */
export function waypointVerdict(gateway: Pick<GatewayObject, 'metadata' | 'status'>): WaypointVerdict {
  const generation = gateway.metadata?.generation ?? 0;
  const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
  if (!programmed) return { ready: false, refused: false, reason: 'NoStatus', message: 'istiod has not written the Gateway status yet' };
  if ((programmed.observedGeneration ?? generation) < generation) {
    return { ready: false, refused: false, reason: 'StatusStale', message: `istiod has not yet looked at generation ${generation} of the Gateway` };
  }
  if (programmed.status !== 'True') return { ready: false, refused: false, reason: programmed.reason ?? programmed.status, message: programmed.message ?? '' };
  const listener = gateway.status?.listeners?.find((l) => l.name === MESH_LISTENER.name);
  const refusal = listener?.conditions?.find((c) => (c.type === 'Accepted' || c.type === 'Programmed') && c.status === 'False');
  if (refusal) {
    return { ready: false, refused: true, reason: refusal.reason ?? 'ListenerRefused', message: `istiod refused listener ${MESH_LISTENER.name}: ${refusal.message ?? refusal.reason ?? ''}`.trim() };
  }
  if (gateway.status?.listeners && !listener) {
    return { ready: false, refused: true, reason: 'ListenerMissing', message: `istiod reports no listener ${MESH_LISTENER.name} on the Gateway` };
  }
  return { ready: true, refused: false, reason: programmed.reason ?? 'Programmed', message: programmed.message ?? '' };
}

/** What of istiod's verdict the watcher tells a namespace: whether the waypoint is ready, and whether istiod refused it. */
export interface WaypointState {
  ready: boolean;
  refused: boolean;
}

export function waypointState(gateway: Pick<GatewayObject, 'metadata' | 'status'>): WaypointState {
  const { ready, refused } = waypointVerdict(gateway);
  return { ready, refused };
}
