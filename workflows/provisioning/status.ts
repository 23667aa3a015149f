import { ActivityFailure, ApplicationFailure, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { PassOutcome } from '../../model/provisioning';
import { clusterStep } from '../cluster-steps';
import { ProvisionerPhase } from '../search-attributes';

/** The namespace's status annotation (kagenti.io/waypoint-provisioning-status) for an outcome. */
function statusAnnotation(outcome: Pick<PassOutcome, 'phase' | 'waypointReady' | 'agentCount' | 'waiting'>): string {
  return JSON.stringify({ phase: outcome.phase, waypointReady: outcome.waypointReady, agents: outcome.agentCount, waiting: outcome.waiting.map((w) => w.reason) });
}

/**
 * A pass's writer of the status annotation (kagenti.io/waypoint-provisioning-status), where
 * `kubectl get namespace -o yaml` shows it. It knows what the annotation holds from the pass's
 * inspection and its own writes, so it never reads the namespace again to compare.
 */
export class StatusAnnotation {
  /** What the annotation holds (null: none); undefined: not known, so the write reads it first. */
  private known: string | null | undefined;

  constructor(private readonly namespace: string) {}

  /** What the pass's inspection read. */
  seen(value: string | undefined): void {
    this.known = value ?? null;
  }

  /**
   * Writes it for `outcome` when it differs. A report, not work: a namespace gone meanwhile, or a
   * refusal, leaves it unwritten (the Events and the workflow's status still say what happened).
   */
  async write(outcome: Pick<PassOutcome, 'phase' | 'waypointReady' | 'agentCount' | 'waiting'>): Promise<void> {
    const { namespace } = this;
    const status = statusAnnotation(outcome);
    const waiting = outcome.waiting.length > 0 ? ` (${outcome.waiting.map((w) => w.reason).join(', ')})` : '';
    try {
      await clusterStep('recordNamespaceStatus', `Write the status annotation of ${namespace}: ${outcome.phase}${waiting}`, [namespace, status, this.known]);
      this.known = status;
    } catch (error) {
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable)) throw error;
      this.known = undefined;
      log.warn('The status annotation could not be written', { namespace, error: error.cause.message });
    }
  }

  /** Mid-pass, before a long wait: the phase and the annotation say what the namespace waits for while it waits. */
  async showWaiting(agentCount: number, waiting: { reason: string; message: string }): Promise<void> {
    upsertSearchAttributes([{ key: ProvisionerPhase, value: 'Waiting' }]);
    await this.write({ phase: 'Waiting', waypointReady: false, agentCount, waiting: [waiting] });
  }
}
