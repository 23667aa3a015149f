import type { V1Pod } from '@kubernetes/client-node';
import { CLIENT_REGISTRATION_CONTAINER, ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER } from '../../../model/names';
import { injectionPatch, wantedSidecars } from '../../../tools/stack/sidecar-injector/inject';

function pod(labels: Record<string, string>, annotations: Record<string, string> = {}, containers = ['agent']): V1Pod {
  return { metadata: { labels, annotations }, spec: { containers: containers.map((name) => ({ name, image: `example.invalid/${name}:1` })) } };
}

const ALL = [ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER, CLIENT_REGISTRATION_CONTAINER];

describe('legacy sidecar injection rule', () => {
  test('the container names are the legacy ones', () => {
    expect(ALL).toEqual(['envoy-proxy', 'spiffe-helper', 'kagenti-client-registration']);
  });

  test.each(['agent', 'tool'])('kagenti.io/type=%s with kagenti.io/inject=enabled gets envoy-proxy and spiffe-helper', (type) => {
    expect(wantedSidecars(pod({ 'kagenti.io/type': type, 'kagenti.io/inject': 'enabled' }))).toEqual([ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER]);
  });

  test('each sidecar has its own opt-in label', () => {
    expect(wantedSidecars(pod({ 'kagenti.io/type': 'agent', 'kagenti.io/envoy-proxy-inject': 'true' }))).toEqual([ENVOY_PROXY_CONTAINER]);
    expect(wantedSidecars(pod({ 'kagenti.io/type': 'agent', 'kagenti.io/spiffe-helper-inject': 'true' }))).toEqual([SPIFFE_HELPER_CONTAINER]);
    expect(wantedSidecars(pod({ 'kagenti.io/type': 'agent', 'kagenti.io/client-registration-inject': 'true' }))).toEqual([CLIENT_REGISTRATION_CONTAINER]);
  });

  test('client registration is also asked for by annotation', () => {
    expect(wantedSidecars(pod({ 'kagenti.io/type': 'tool' }, { 'kagenti.io/client-registration-inject': 'true' }))).toEqual([CLIENT_REGISTRATION_CONTAINER]);
  });

  test('all three with inject=enabled and client-registration-inject=true', () => {
    expect(wantedSidecars(pod({ 'kagenti.io/type': 'agent', 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' }))).toEqual(ALL);
  });

  test('values other than the exact opt-in ones add nothing', () => {
    const labels = {
      'kagenti.io/type': 'agent',
      'kagenti.io/inject': 'true',
      'kagenti.io/envoy-proxy-inject': 'enabled',
      'kagenti.io/spiffe-helper-inject': 'True',
      'kagenti.io/client-registration-inject': 'yes',
    };
    expect(wantedSidecars(pod(labels))).toEqual([]);
  });

  test.each([
    ['no kagenti.io/type', { 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' }],
    ['another kagenti.io/type', { 'kagenti.io/type': 'service', 'kagenti.io/inject': 'enabled' }],
    ['waypoint auth mode', { 'kagenti.io/type': 'agent', 'kagenti.io/auth-mode': 'waypoint', 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' }],
  ])('%s: nothing is added', (_case, labels: Record<string, string>) => {
    expect(wantedSidecars(pod(labels))).toEqual([]);
    expect(injectionPatch(pod(labels))).toEqual([]);
  });

  test('a pod without labels or spec gets nothing', () => {
    expect(injectionPatch({})).toEqual([]);
  });
});

describe('JSON Patch', () => {
  const labels = { 'kagenti.io/type': 'agent', 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' };

  test('appends one container per missing sidecar, with an image that names no registry host', () => {
    const patch = injectionPatch(pod(labels));
    expect(patch.map((op) => [op.op, op.path, op.value.name])).toEqual(ALL.map((name) => ['add', '/spec/containers/-', name]));
    for (const op of patch) expect(op.value.image).toMatch(/^kagenti\/[a-z-]+:legacy$/);
  });

  test('never adds a container whose name is present, among containers or init containers', () => {
    const partly = pod(labels, {}, ['agent', ENVOY_PROXY_CONTAINER]);
    partly.spec!.initContainers = [{ name: SPIFFE_HELPER_CONTAINER }];
    expect(injectionPatch(partly).map((op) => op.value.name)).toEqual([CLIENT_REGISTRATION_CONTAINER]);
    expect(injectionPatch(pod(labels, {}, ['agent', ...ALL]))).toEqual([]);
  });
});
