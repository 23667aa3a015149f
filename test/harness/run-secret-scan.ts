import { CoreV1Api } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackTemporalClient } from '../../tools/stack/temporal-client';
import { loadKubeConfig } from '../../config/kube-config';
import { MANAGED_SELECTOR } from '../../model/labels';
import type { StackState } from '../../tools/stack/state';
import { readRunLogs } from './run-logs';
import { findSecrets, findTokens, historyTexts } from './secret-scan';

/** Values the test harness itself puts in legacy Secrets (migration.ts): they must not leak either. */
const HARNESS_SECRETS = ['legacy-secret-value', 'legacy-admin-password', 'user-token'];

/**
 * Collects, for the whole run, every client secret the provisioners write into credentials Secrets
 * (looked at every second, so one that lives a second is seen), plus the stack's Keycloak admin
 * password and the provisioner's client secret, the production profile's database passwords and
 * Temporal realm's client secrets and passwords, and the harness's legacy secret values.
 */
export function startSecretCollector(stack: StackState): { secrets(): string[]; stop(): void } {
  const core = loadKubeConfig(stack.kubernetes.kubeconfig).makeApiClient(CoreV1Api);
  const seen = new Set<string>([stack.keycloak.adminPassword, stack.keycloak.provisioner.clientSecret, ...Object.values(stack.postgresql?.passwords ?? {}), ...temporalAccessSecrets(stack), ...HARNESS_SECRETS]);
  const look = async () => {
    const list = await core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR }).catch(() => undefined);
    for (const secret of list?.items ?? []) {
      const value = secret.data?.['client-secret.txt'];
      if (value) seen.add(Buffer.from(value, 'base64').toString('utf8'));
    }
  };
  const timer = setInterval(() => void look(), 1000);
  return { secrets: () => [...seen], stop: () => clearInterval(timer) };
}

/** The production profile's secrets of who may act on Temporal: its clients' secrets and its people's passwords. */
function temporalAccessSecrets(stack: StackState): string[] {
  const access = stack.temporal.access;
  if (!access) return [];
  return [...[access.worker, access.admin, access.ui].map((client) => readFileSync(client.secretFile, 'utf8').trim()), ...Object.values(access.users).map((user) => user.password)];
}

/** The stack's own server logs (`<stack>/logs/*.log`). */
function stackLogs(stack: StackState): { name: string; text: string }[] {
  const folder = join(stack.dir, 'logs');
  return readdirSync(folder)
    .filter((file) => file.endsWith('.log'))
    .map((file) => ({ name: `stack/${file}`, text: readFileSync(join(folder, file), 'utf8') }));
}

/**
 * One scan over the whole run: the decoded history of every workflow execution started since
 * `since`, on every task queue, every provisioner log of the run and every server log of the
 * stack (where a database password would show), for every collected secret.
 */
export async function scanRun(stack: StackState, since: Date, secrets: string[]): Promise<{ histories: number; taskQueues: number; logs: number; findings: string[] }> {
  const client = await stackTemporalClient(stack.temporal, 'admin');
  try {
    const findings: string[] = [];
    const taskQueues = new Set<string>();
    let histories = 0;
    for await (const execution of client.workflow.list({ query: `StartTime >= '${since.toISOString()}'` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const where = `the history of ${execution.workflowId} (${execution.runId})`;
      findings.push(...findSecrets(historyTexts(history), secrets, where), ...findTokens(historyTexts(history), where));
      taskQueues.add(execution.taskQueue);
      histories++;
    }
    const logs = [...readRunLogs(), ...stackLogs(stack)];
    for (const { name, text } of logs) findings.push(...findSecrets([text], secrets, `the log ${name}`), ...findTokens([text], `the log ${name}`));
    return { histories, taskQueues: taskQueues.size, logs: logs.length, findings };
  } finally {
    await client.connection.close();
  }
}
