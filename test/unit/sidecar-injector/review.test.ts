import { MalformedReview, reviewPodCreation } from '../../../tools/stack/sidecar-injector/review';

function review(object: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'uid-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'team1', operation: 'CREATE', object, ...overrides },
  });
}

const sidecarPod = {
  metadata: { generateName: 'weather-7d9f-', labels: { 'kagenti.io/type': 'agent', 'kagenti.io/inject': 'enabled' } },
  spec: { containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] },
};

describe('AdmissionReview handling', () => {
  test('a sidecar-mode pod is allowed with a base64 JSON Patch, answering the request uid', () => {
    const { review: out, pod, added } = reviewPodCreation(review(sidecarPod));
    expect(out).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-1', allowed: true, patchType: 'JSONPatch' } });
    expect(JSON.parse(Buffer.from(out.response.patch!, 'base64').toString('utf8'))).toEqual([
      { op: 'add', path: '/spec/containers/-', value: { name: 'envoy-proxy', image: 'kagenti/envoy-proxy:legacy' } },
      { op: 'add', path: '/spec/containers/-', value: { name: 'spiffe-helper', image: 'kagenti/spiffe-helper:legacy' } },
    ]);
    expect(pod).toBe('team1/weather-7d9f-');
    expect(added).toEqual(['envoy-proxy', 'spiffe-helper']);
  });

  test('nothing to add: allowed without a patch', () => {
    const { review: out } = reviewPodCreation(review({ ...sidecarPod, metadata: { name: 'plain', labels: { 'kagenti.io/type': 'agent' } } }));
    expect(out.response).toEqual({ uid: 'uid-1', allowed: true });
  });

  test.each([
    ['not JSON', '{', /the body is not JSON/],
    ['another kind', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }), /expected an AdmissionReview of admission.k8s.io\/v1/],
    ['v1beta1', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }), /expected an AdmissionReview of admission.k8s.io\/v1/],
    ['no request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /no request with a uid/],
    ['no uid', review(sidecarPod, { uid: undefined }), /no request with a uid/],
    ['not a Pod', review({}, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }), /only core v1 Pods are handled, got .*Deployment/],
    ['no object', review(undefined), /the request carries no Pod object/],
  ])('%s: refused as malformed', (_case, body, message) => {
    expect(() => reviewPodCreation(body)).toThrow(MalformedReview);
    expect(() => reviewPodCreation(body)).toThrow(message);
  });
});
