import { AppsV1Api, CoreV1Api, CoreV1Event, CustomObjectsApi, V1Deployment } from '@kubernetes/client-node';
import { isNotFound } from '../../model/errors';
import { MANAGED_SELECTOR } from '../../model/labels';
import { credentialsSecretName } from '../../model/names';
import { eventually } from './eventually';
import { adminKubeConfig, uniqueName } from './stack';

export const kc = adminKubeConfig();
export const core = kc.makeApiClient(CoreV1Api);
export const apps = kc.makeApiClient(AppsV1Api);
export const custom = kc.makeApiClient(CustomObjectsApi);

export async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
}

export interface AgentDeploymentOptions {
  type?: 'agent' | 'tool';
  serviceAccountName?: string;
  templateLabels?: Record<string, string>;
  replicas?: number;
}

/** A Deployment whose pod template is labelled kagenti.io/type (kwok runs its pods). */
export async function createAgentDeployment(namespace: string, name: string, options: AgentDeploymentOptions = {}): Promise<V1Deployment> {
  return apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: options.replicas ?? 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, 'kagenti.io/type': options.type ?? 'agent', ...options.templateLabels } },
          spec: { serviceAccountName: options.serviceAccountName, containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] },
        },
      },
    },
  });
}

export async function readGateway(namespace: string, name: string): Promise<Record<string, any> | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name })) as Record<string, any>;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readSecretOrUndefined(namespace: string, name: string) {
  try {
    return await core.readNamespacedSecret({ namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The Events the provisioner recorded in `namespace`. */
export async function provisionerEvents(namespace: string): Promise<CoreV1Event[]> {
  const events = await core.listNamespacedEvent({ namespace });
  return events.items.filter((e) => e.source?.component === 'kagenti-waypoint-provisioner');
}

/**
 * The further changes a registration's one Event lists in its message after its own (its reason
 * names the largest), by the reason each would be reported under alone.
 */
const LISTED_CHANGES: [RegExp, string][] = [
  [/^Secret \S+ created$/, 'CredentialsSecretCreated'],
  [/^Secret \S+ updated$/, 'CredentialsSecretUpdated'],
  [/^Pod template annotated with credentials Secret /, 'CredentialsAnnotated'],
];

/** The changes one Event reports: its reason, and the changes its message lists after the first. */
export function changesOf(event: Pick<CoreV1Event, 'reason' | 'message'>): string[] {
  const listed = (event.message ?? '').split('; ').slice(1);
  return [event.reason!, ...listed.flatMap((part) => LISTED_CHANGES.filter(([pattern]) => pattern.test(part)).map(([, reason]) => reason))];
}

/** How often each change is reported by `events`, their counts included. */
export function changeCounts(events: CoreV1Event[]): (reason: string) => number {
  return (reason) => events.reduce((sum, e) => sum + (changesOf(e).includes(reason) ? (e.count ?? 1) : 0), 0);
}

/** The changes the provisioner's Events in `namespace` report (see changesOf). */
export async function eventReasons(namespace: string): Promise<string[]> {
  return (await provisionerEvents(namespace)).flatMap(changesOf);
}

export const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

/** A new namespace with one agent Deployment `agent`, once the provisioner has written its credentials Secret. */
export async function provisionAgent(prefix: string): Promise<string> {
  const namespace = uniqueName(prefix);
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 30_000, `the credentials Secret in ${namespace}`);
  return namespace;
}

/** Waits until every one of `namespaces` has the credentials Secret of its Deployment `agent`. */
export async function allCredentialsSecrets(namespaces: string[], timeoutMs: number): Promise<void> {
  const secretNames = new Map(namespaces.map((ns) => [ns, credentialsSecretName(ns, 'agent')]));
  await eventually(async () => {
    const secrets = await core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
    const done = new Set(secrets.items.filter((s) => secretNames.get(s.metadata!.namespace!) === s.metadata!.name).map((s) => s.metadata!.namespace!));
    return done.size === namespaces.length ? true : undefined;
  }, timeoutMs, `all ${namespaces.length} credentials Secrets`);
}
