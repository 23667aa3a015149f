import { ActivityFailure, ApplicationFailure, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { PassOutcome } from '../../model/provisioning';
import { clusterStep } from '../cluster-steps';
import { ProvisionerPhase } from '../search-attributes';

/** The namespace's status annotation (kagenti.io/waypoint-provisioning-status) for an outcome. */
function statusAnnotation(outcome: Pick<PassOutcome, 'phase' | 'waypointReady' | 'agentCount' | 'waiting'>): string {
  return JSON.stringify({ phase: outcome.phase, waypointReady: outcome.waypointReady, agents: outcome.agentCount, waiting: outcome.waiting.map((w) => w.reason) });
}

/**
 * Writes the status annotation for `outcome`, where `kubectl get namespace -o yaml` shows it. A report,
 * not work: a namespace gone meanwhile, or a refusal, leaves it unwritten (the Events and the
 * workflow's status still say what happened).
 */
export async function writeStatusAnnotation(namespace: string, outcome: Pick<PassOutcome, 'phase' | 'waypointReady' | 'agentCount' | 'waiting'>): Promise<void> {
  const waiting = outcome.waiting.length > 0 ? ` (${outcome.waiting.map((w) => w.reason).join(', ')})` : '';
  await clusterStep('recordNamespaceStatus', `Write the status annotation of ${namespace}: ${outcome.phase}${waiting}`, [namespace, statusAnnotation(outcome)]).catch((error: unknown) => {
    if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable)) throw error;
    log.warn('The status annotation could not be written', { namespace, error: error.cause.message });
  });
}

/** Mid-pass, before a long wait: the phase and the annotation say what the namespace waits for while it waits. */
export async function showWaiting(namespace: string, agentCount: number, waiting: { reason: string; message: string }): Promise<void> {
  upsertSearchAttributes([{ key: ProvisionerPhase, value: 'Waiting' }]);
  await writeStatusAnnotation(namespace, { phase: 'Waiting', waypointReady: false, agentCount, waiting: [waiting] });
}
