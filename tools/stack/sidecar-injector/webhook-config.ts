import { AdmissionregistrationV1Api, KubeConfig, V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { AGENT_TYPES, TYPE_LABEL } from '../../../model/labels';
import { isConflict } from '../../../model/errors';
import { injectorCertificateFiles } from './certificate';

export const SIDECAR_INJECTOR_WEBHOOK_CONFIG = 'kagenti-legacy-sidecar-injector';

/** The MutatingWebhookConfiguration that sends agent and tool pod creations to the injector on `port`. */
export function sidecarInjectorWebhookConfig(port: number, caPem: string): V1MutatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: SIDECAR_INJECTOR_WEBHOOK_CONFIG },
    webhooks: [
      {
        name: 'legacy-sidecar-injector.kagenti.io',
        clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(caPem).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        objectSelector: { matchExpressions: [{ key: TYPE_LABEL, operator: 'In', values: [...AGENT_TYPES] }] },
        // Like the real injector: an agent pod is not created without its sidecars.
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
        reinvocationPolicy: 'Never',
      },
    ],
  };
}

/**
 * Creates the webhook configuration, or replaces one kept in etcd from an earlier `stack up`,
 * which names that run's port and certificate.
 */
export async function registerSidecarInjector(kubeconfigFile: string, dir: string, port: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const body = sidecarInjectorWebhookConfig(port, readFileSync(injectorCertificateFiles(dir).cert, 'utf8'));
  try {
    await api.createMutatingWebhookConfiguration({ body });
  } catch (error) {
    if (!isConflict(error)) throw error;
    const existing = await api.readMutatingWebhookConfiguration({ name: SIDECAR_INJECTOR_WEBHOOK_CONFIG });
    body.metadata!.resourceVersion = existing.metadata?.resourceVersion;
    await api.replaceMutatingWebhookConfiguration({ name: SIDECAR_INJECTOR_WEBHOOK_CONFIG, body });
  }
}
