import { condition, continueAsNew, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { activities, keycloakOptions, withSummary } from './activity-proxies';
import { auditIntervalSignal, auditNowSignal } from './messages';
import type { KeycloakAudit } from './types';

export interface KeycloakAuditInput {
  /** Seconds between audits; the leading watcher's signal sets it anew (0: stop). */
  intervalSeconds?: number;
  /** Audit at once (default); a run continued-as-new waits for its interval first. */
  auditFirst?: boolean;
}

/** Continue-as-new after this many audits: one audit is a handful of events. */
const AUDITS_PER_RUN = 100;

function describe(audit: KeycloakAudit, woken: number): string {
  const realms = audit.realms.map((r) => `- realm ${r.realm} at ${r.url}: ${r.managedClients} managed clients, ${r.credentialsSecrets} credentials Secrets`);
  const drift = audit.drift.slice(0, 20).map((d) => `- ${d.namespace}: ${d.reasons.join('; ')}`);
  const more = audit.drift.length > 20 ? [`- … and ${audit.drift.length - 20} more`] : [];
  return [`**Keycloak audit**: ${woken} namespace(s) woken`, '', ...realms, ...(audit.skipped ? [`- skipped: ${audit.skipped}`] : []), ...drift, ...more].join('\n');
}

/**
 * Finds Keycloak drift without touching settled namespaces: once per interval it lists what this
 * provisioner manages in each realm in force, compares it with the credentials Secrets in the
 * cluster, and wakes only the namespaces that differ (a client or audience scope deleted or edited
 * by hand, a client secret changed, a realm restored from a backup). Kubernetes drift needs no
 * audit: the watcher sees it.
 */
export async function keycloakAuditWorkflow(input: KeycloakAuditInput = {}): Promise<void> {
  let intervalSeconds = input.intervalSeconds ?? 0;
  let now = input.auditFirst ?? true;
  setHandler(auditIntervalSignal, ({ intervalSeconds: seconds }) => {
    intervalSeconds = seconds;
  });
  setHandler(auditNowSignal, () => {
    now = true;
  });

  for (let audits = 0; audits < AUDITS_PER_RUN; audits++) {
    if (!now) {
      if (intervalSeconds <= 0) return;
      await condition(() => now || intervalSeconds <= 0, `${intervalSeconds} seconds`);
      if (!now && intervalSeconds <= 0) return;
    }
    now = false;
    const audit = await withSummary(activities.auditKeycloak, 'Compare the Keycloak realm with the credentials Secrets in the cluster', [], keycloakOptions('maintenance'));
    const namespaces = audit.drift.map((d) => d.namespace);
    if (namespaces.length > 0) {
      await withSummary(activities.wakeNamespaces, `Wake ${namespaces.length} namespace(s) whose Keycloak state differs`, [{ namespaces, reason: 'audit' }]);
    }
    setCurrentDetails(describe(audit, namespaces.length));
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof keycloakAuditWorkflow>({ intervalSeconds, auditFirst: now });
}
