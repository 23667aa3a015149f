import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Settings } from '../../config/settings';
import { tsxCommand } from '../../tools/tsx';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed (its logs). */
  output: string[];
  exited: Promise<void>;
}

/** The real worker process (worker/main.ts) with the given settings, for tests that kill it. */
export function startWorkerProcess(settings: Settings, output: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const [command, args] = tsxCommand(join(__dirname, '..', '..', 'worker', 'main.ts'));
  const child = spawn(command, args, {
    env: {
      ...process.env,
      KUBECONFIG: settings.kubeconfig,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_NAMESPACE: settings.temporalNamespace,
      TEMPORAL_TASK_QUEUE: settings.taskQueue,
      OPERATOR_NAMESPACE: settings.operatorNamespace,
      RETRY_INTERVAL: String(settings.retryIntervalSeconds),
      WAYPOINT_READY_TIMEOUT: String(settings.waypointReadyTimeoutSeconds),
      HEALTH_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output, exited };
}
