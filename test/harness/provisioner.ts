import { CoreV1Api } from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { Writable } from 'node:stream';
import { createLogger } from '../../config/logger';
import { loadSettings, Settings } from '../../config/settings';
import { connectClient, connectWorker, temporalAccess } from '../../config/temporal-connection';
import { stackTemporalSettings } from '../../tools/stack/temporal-client';
import { startWatcher, Watcher, watcherOptions } from '../../watcher/watcher';
import { createWorker } from '../../worker/create-worker';
import { eventually } from './eventually';
import { appendRunLog } from './run-logs';
import { adminKubeConfig, adminSecretData, testStack, uniqueName } from './stack';

export interface TestProvisioner {
  settings: Settings;
  client: Client;
  /** Undefined when the test runs its own worker processes. */
  worker?: Worker;
  /** Undefined when the test runs its own watcher processes. */
  watcher?: Watcher;
  /** Every log line the worker and watcher wrote, to scan for leaked secrets. */
  logs: string[];
  stop(): Promise<void>;
}

export interface ProvisionerOptions {
  settings?: Partial<Settings>;
  /** Create kagenti-operator-config in the operator namespace (default true). */
  operatorConfig?: Record<string, string> | false;
  /** Create keycloak-admin-secret in the operator namespace (default true: the provisioner's least-privilege client; `legacy`: the master admin's password). */
  adminSecret?: boolean | 'legacy';
  /** Run the worker in this process (default true); false when the test starts worker processes itself. */
  inProcessWorker?: boolean;
  /** Run a watcher in this process (default true); false when the test starts watcher processes itself. */
  inProcessWatcher?: boolean;
  /** Kubeconfig the watcher uses (default: the admin's); the worker's is settings.kubeconfig. */
  watcherKubeconfig?: string;
  /** Prepare the operator namespace with the admin's rights, then return it: for tests that grant rights in it first. */
  operatorNamespace?: string;
}

/**
 * The real worker (prebundled workflows, real activities) and the real watcher, in this process,
 * against the test stack, with their own operator namespace and task queue.
 */
export async function startProvisioner(options: ProvisionerOptions = {}): Promise<TestProvisioner> {
  const stack = testStack();
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const operatorNamespace = options.operatorNamespace ?? uniqueName('op');
  if (!options.operatorNamespace) await core.createNamespace({ body: { metadata: { name: operatorNamespace } } });
  if (options.operatorConfig !== false) {
    await core.createNamespacedConfigMap({
      namespace: operatorNamespace,
      body: {
        metadata: { name: 'kagenti-operator-config' },
        data: options.operatorConfig ?? { KEYCLOAK_URL: stack.keycloak.url, KEYCLOAK_REALM: stack.keycloak.realm },
      },
    });
  }
  if (options.adminSecret !== false) {
    await core.createNamespacedSecret({
      namespace: operatorNamespace,
      body: {
        metadata: { name: 'keycloak-admin-secret' },
        stringData: adminSecretData(options.adminSecret === 'legacy' ? 'legacy' : 'service-account'),
      },
    });
  }
  const settings: Settings = Object.freeze({
    ...loadSettings([], {}),
    kubeconfig: stack.kubernetes.kubeconfig,
    // On the production profile: TLS, and the worker's own client (role worker), as deployed.
    ...stackTemporalSettings(stack.temporal, 'worker'),
    taskQueue: uniqueName('provisioner'),
    operatorNamespace,
    retryIntervalSeconds: 2,
    waypointReadyTimeoutSeconds: 5,
    keycloakAuditIntervalSeconds: 0,
    logLevel: 'info' as const,
    ...options.settings,
  });

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      appendRunLog(`in-process-${settings.taskQueue}`, chunk.toString());
      done();
    },
  });
  const log = createLogger('test-provisioner', settings.logLevel, sink);
  const access = await temporalAccess(settings, log);
  const client = await connectClient(settings, access);
  const clientConnection = client.connection;
  const connection = options.inProcessWorker === false ? undefined : await connectWorker(settings, access);
  const created = connection ? await createWorker(connection, client, settings, log) : undefined;
  const worker = created?.worker;
  const running = created?.run();
  const watcherKubeConfig = adminKubeConfig();
  if (options.watcherKubeconfig) watcherKubeConfig.loadFromFile(options.watcherKubeconfig);
  const watcher = options.inProcessWatcher === false ? undefined : startWatcher(watcherKubeConfig, client, watcherOptions(settings, { coalesceMs: 50 }), log);
  // As a person's change comes after the watcher runs: a change made before its first lists are in
  // is only seen by its takeover, paced behind whatever else the shared stack left unsettled.
  if (watcher) await eventually(async () => (watcher.ready() ? true : undefined), 30_000, 'the watcher to list the cluster');

  return {
    settings,
    client,
    worker,
    watcher,
    logs,
    async stop() {
      await watcher?.stop();
      worker?.shutdown();
      await running;
      await connection?.close();
      await clientConnection.close();
    },
  };
}
