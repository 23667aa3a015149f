import { ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Settings, temporalEnvironment } from '../../config/settings';
import { tsxCommand } from '../../tools/tsx';
import { startProvisioner, TestProvisioner } from './provisioner';
import { appendRunLog } from './run-logs';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed (its logs). */
  output: string[];
  exited: Promise<void>;
}

/** The real worker process (worker/main.ts) with the given settings, for tests that kill it. */
export function startWorkerProcess(settings: Settings, output: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  return startProvisionerProcess('worker', settings, output, env);
}

/** The real worker or watcher process (`<name>/main.ts`) with the given settings. */
export function startProvisionerProcess(name: 'worker' | 'watcher', settings: Settings, output: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const [command, args] = tsxCommand(join(__dirname, '..', '..', name, 'main.ts'));
  const child = spawn(command, args, {
    env: {
      ...process.env,
      KUBECONFIG: settings.kubeconfig,
      ...temporalEnvironment(settings),
      OPERATOR_NAMESPACE: settings.operatorNamespace,
      RETRY_INTERVAL: String(settings.retryIntervalSeconds),
      WAYPOINT_READY_TIMEOUT: String(settings.waypointReadyTimeoutSeconds),
      KEYCLOAK_AUDIT_INTERVAL: String(settings.keycloakAuditIntervalSeconds),
      HEALTH_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    appendRunLog(`${name}-process-${settings.taskQueue}`, chunk.toString());
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output, exited };
}

export interface KillableWorkerSuite {
  provisioner(): TestProvisioner;
  /** Everything the worker processes printed, across restarts. */
  output: string[];
  /**
   * SIGKILLs the worker process and starts a new one; `whileDead` runs in between, with the killed
   * worker's Temporal identity (the SDK's default, `<pid>@<host>`).
   */
  killAndRestartWorker(whileDead?: (identity: string) => Promise<void>): Promise<void>;
  /** The running worker's Temporal identity. */
  workerIdentity(): string;
}

/**
 * For a test file: a provisioner whose worker is a real process that the tests may SIGKILL, all
 * stopped afterwards. The stack's real istiod programs the waypoints.
 */
export function killableWorkerSuite(): KillableWorkerSuite {
  let provisioner: TestProvisioner | undefined;
  let worker: WorkerProcess | undefined;
  const output: string[] = [];
  beforeAll(async () => {
    provisioner = await startProvisioner({ inProcessWorker: false });
    worker = startWorkerProcess(provisioner.settings, output);
  });
  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exited;
    await provisioner?.stop();
  });
  return {
    provisioner: () => provisioner!,
    output,
    workerIdentity: () => `${worker!.child.pid}@${hostname()}`,
    async killAndRestartWorker(whileDead) {
      const identity = `${worker!.child.pid}@${hostname()}`;
      worker!.child.kill('SIGKILL');
      await worker!.exited;
      try {
        await whileDead?.(identity);
      } finally {
        worker = startWorkerProcess(provisioner!.settings, output);
      }
    },
  };
}
