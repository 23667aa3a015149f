import { condition, continueAsNew, setCurrentDetails, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { activities, keycloakOptions, withSummary } from './activity-proxies';
import { AuditSettings, auditNowSignal, auditSettingsSignal, moveToCurrentBuildSignal } from './messages';
import type { KeycloakAudit } from '../model/provisioning';
import { continueOnTargetBuild, newerBuildIsTarget, PINNED } from './worker-version';

export interface KeycloakAuditInput {
  /** The leading watcher's signal sets them anew. */
  settings: AuditSettings;
  /** Audit at once (default); a run continued-as-new waits for its interval first. */
  auditFirst?: boolean;
  /** Namespaces found out of line and not woken yet, carried over continue-as-new. */
  toWake?: string[];
}

/** The backlog of namespaces to wake, bounded as one audit's findings are (the next audit finds the rest). */
const MAX_TO_WAKE = 10_000;

/** Continue-as-new past this many events: an audit is a handful, each second of waking about ten. */
const HISTORY_LIMIT = 2_000;

function describe(audit: KeycloakAudit, queued: number): string {
  const realms = audit.realms.map((r) => `- realm ${r.realm} at ${r.url}: ${r.failed ? `not audited: ${r.failed}` : `${r.managedClients} managed clients`}, ${r.credentialsSecrets} credentials Secrets`);
  const examples = audit.examples.map((d) => `- ${d.namespace}: ${d.reasons.join('; ')}`);
  const more = audit.outOfLineCount > examples.length ? [`- … and ${audit.outOfLineCount - examples.length} more (the worker's log has every reason)`] : [];
  return [`**Keycloak audit**: ${audit.outOfLineCount} namespace(s) out of line, ${queued} waiting to be woken`, '', ...realms, ...(audit.skipped ? [`- skipped: ${audit.skipped}`] : []), ...examples, ...more].join('\n');
}

/**
 * Finds Keycloak drift without touching settled namespaces: once per interval it lists what this
 * provisioner manages in each realm in force, compares it with the credentials Secrets in the
 * cluster, and wakes only the namespaces that differ (a client or audience scope deleted or edited
 * by hand, a client secret changed, a realm restored from a backup). Kubernetes drift needs no
 * audit: the watcher sees it. Repairs are maintenance: woken a few per second, so that a realm
 * restored from a backup never floods the task queue ahead of new agents; namespaces found out of
 * line by a later audit go ahead of an earlier audit's backlog.
 */
export async function keycloakAuditWorkflow(input: KeycloakAuditInput): Promise<void> {
  let settings = input.settings;
  let auditRequested = input.auditFirst ?? true;
  let toWake = [...(input.toWake ?? [])];
  let nextAuditAt = Date.now() + settings.intervalSeconds * 1000;
  setHandler(auditSettingsSignal, (changed) => {
    nextAuditAt += (changed.intervalSeconds - settings.intervalSeconds) * 1000;
    settings = changed;
  });
  setHandler(auditNowSignal, () => {
    auditRequested = true;
  });
  let moveAsked = false;
  setHandler(moveToCurrentBuildSignal, () => {
    moveAsked = true;
  });
  const auditDue = () => auditRequested || Date.now() >= nextAuditAt;
  const switchedOff = () => settings.intervalSeconds === 0;
  const nextRun = (): KeycloakAuditInput => ({ settings, auditFirst: auditRequested, toWake });

  for (;;) {
    // Switched off (a leading watcher with interval 0): nothing of it keeps running, its backlog included.
    if (switchedOff()) {
      setCurrentDetails('**Keycloak audit** switched off (interval 0)');
      return;
    }
    // A newer build of the worker is current: the audit goes on there (it looks at least once an interval).
    if (newerBuildIsTarget()) await continueOnTargetBuild<typeof keycloakAuditWorkflow>(nextRun());
    moveAsked = false;
    if (auditDue()) {
      auditRequested = false;
      const audit = await withSummary(activities.auditKeycloak, 'Compare the Keycloak realm with the credentials Secrets in the cluster', [], keycloakOptions('maintenance'));
      const found = new Set(audit.outOfLine);
      // Newly found first; the backlog stays bounded like one audit's findings.
      toWake = [...found, ...toWake.filter((namespace) => !found.has(namespace))].slice(0, MAX_TO_WAKE);
      nextAuditAt = Date.now() + settings.intervalSeconds * 1000;
      setCurrentDetails(describe(audit, toWake.length));
    }
    if (toWake.length > 0) {
      const batch = toWake.splice(0, Math.max(1, settings.wakesPerSecond));
      const { woken } = await withSummary(activities.wakeNamespaces, `Wake ${batch.length} namespace(s) whose Keycloak state differs (${toWake.length} more waiting)`, [{ namespaces: batch, reason: 'audit' }]);
      // None woken: the servers have no room for maintenance now; the batch waits for the next second.
      toWake.unshift(...batch.slice(woken));
    }
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    if (continueAsNewSuggested || historyLength > HISTORY_LIMIT) {
      await continueAsNew<typeof keycloakAuditWorkflow>(nextRun());
    }
    if (toWake.length > 0) {
      await condition(() => auditRequested || switchedOff() || moveAsked, '1 second');
    } else {
      await condition(() => auditRequested || switchedOff() || moveAsked || Date.now() >= nextAuditAt, Math.max(1, nextAuditAt - Date.now()));
    }
  }
}
// Never replays on another build: it moves to a newer one by continuing-as-new at the top of its loop.
setWorkflowOptions(PINNED, keycloakAuditWorkflow);
