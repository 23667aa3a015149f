import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { AGENT_TYPES, REGISTRATION_INJECT_LABEL, TYPE_LABEL } from '../../../model/labels';
import { AUTH_MODE_LABEL, ENVOY_PROXY_INJECT_LABEL, INJECT_LABEL, SPIFFE_HELPER_INJECT_LABEL } from '../../../model/labels';
import { CLIENT_REGISTRATION_CONTAINER, ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER } from '../../../model/names';

// What Kagenti's legacy injector adds to an agent or tool pod in sidecar mode. Pure: the server
// only decodes the request and encodes the answer. The names are the spec's, defined once beside
// the migration that removes these sidecars.

// No registry host: kwok runs pods without pulling anything.
const IMAGES: Record<string, string> = {
  [ENVOY_PROXY_CONTAINER]: 'kagenti/envoy-proxy:legacy',
  [SPIFFE_HELPER_CONTAINER]: 'kagenti/spiffe-helper:legacy',
  [CLIENT_REGISTRATION_CONTAINER]: 'kagenti/client-registration:legacy',
};

export interface JsonPatchAdd {
  op: 'add';
  path: '/spec/containers/-';
  value: V1Container;
}

/** Names of the sidecars this pod should carry, in injection order. */
export function wantedSidecars(pod: V1Pod): string[] {
  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  // Waypoint mode replaces the sidecars, so a pod opted in to it never gets them.
  if (!AGENT_TYPES.has(labels[TYPE_LABEL] ?? '') || labels[AUTH_MODE_LABEL] === 'waypoint') return [];
  const all = labels[INJECT_LABEL] === 'enabled';
  const wanted: string[] = [];
  if (all || labels[ENVOY_PROXY_INJECT_LABEL] === 'true') wanted.push(ENVOY_PROXY_CONTAINER);
  if (all || labels[SPIFFE_HELPER_INJECT_LABEL] === 'true') wanted.push(SPIFFE_HELPER_CONTAINER);
  if (labels[REGISTRATION_INJECT_LABEL] === 'true' || annotations[REGISTRATION_INJECT_LABEL] === 'true') {
    wanted.push(CLIENT_REGISTRATION_CONTAINER);
  }
  return wanted;
}

/**
 * The JSON Patch that adds the wanted sidecars the pod does not have yet (by container name,
 * init containers included, since names are unique across both): empty when nothing is missing,
 * so a reinvocation or an already injected pod is left as it is.
 */
export function injectionPatch(pod: V1Pod): JsonPatchAdd[] {
  const present = new Set([...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name));
  return wantedSidecars(pod)
    .filter((name) => !present.has(name))
    .map((name) => ({ op: 'add', path: '/spec/containers/-', value: { name, image: IMAGES[name] } }));
}
