import { WAYPOINT_FOR_LABEL, WAYPOINT_GATEWAY_CLASS } from './labels';
import { waypointGatewayName } from './names';

// Pure builders of the Kubernetes objects the provisioner owns (spec §3).

export interface GatewayObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { gatewayClassName: string; listeners: { name: string; port: number; protocol: string }[] };
}

/** The waypoint Gateway with exactly the spec's fields (spec §3). */
export function desiredWaypointGateway(namespace: string): GatewayObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: waypointGatewayName(namespace), namespace, labels: { [WAYPOINT_FOR_LABEL]: 'all' } },
    spec: { gatewayClassName: WAYPOINT_GATEWAY_CLASS, listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

/** Names of the fields the provisioner owns that differ on the live Gateway. */
export function gatewayDrift(live: GatewayObject, desired: GatewayObject): string[] {
  const drift: string[] = [];
  if (live.metadata?.labels?.[WAYPOINT_FOR_LABEL] !== desired.metadata.labels[WAYPOINT_FOR_LABEL]) drift.push(`label ${WAYPOINT_FOR_LABEL}`);
  if (live.spec?.gatewayClassName !== desired.spec.gatewayClassName) drift.push('spec.gatewayClassName');
  const listeners = (live.spec?.listeners ?? []).map(({ name, port, protocol }) => ({ name, port, protocol }));
  if (JSON.stringify(listeners) !== JSON.stringify(desired.spec.listeners)) drift.push('spec.listeners');
  return drift;
}
