import { CancellationScope, log, sleep } from '@temporalio/workflow';
import type { CompensationRecord } from '../../model/migration';

/** Wait between rounds of a compensation that keeps failing (each round already retries its activity). */
const ROUND_DELAY = '30 seconds';

/**
 * The undo log of a migration. A step's compensation is recorded before the step runs, so a step
 * that was interrupted half-way is undone too; compensations restore from the snapshot, so undoing
 * a step that never ran changes nothing.
 */
export class Compensations {
  readonly records: CompensationRecord[] = [];
  private readonly undos: (() => Promise<unknown>)[] = [];

  constructor(private readonly changed: () => void) {}

  /** Records how to undo the step about to run. */
  add(step: string, undo: () => Promise<unknown>): void {
    this.records.push({ step, state: 'recorded', attempts: 0 });
    this.undos.push(undo);
  }

  /**
   * Runs every compensation, newest first, shielded from cancellation. One that keeps failing is
   * reported in its record and retried until it succeeds: none is skipped.
   */
  unwind(): Promise<void> {
    return CancellationScope.nonCancellable(async () => {
      for (let i = this.records.length - 1; i >= 0; i--) {
        const record = this.records[i];
        if (record.state === 'done') continue;
        for (;;) {
          record.state = 'running';
          record.attempts++;
          this.changed();
          try {
            await this.undos[i]();
            record.state = 'done';
            delete record.lastError;
            this.changed();
            break;
          } catch (error) {
            record.state = 'retrying';
            record.lastError = (error as Error).cause instanceof Error ? `${(error as Error).message}: ${((error as Error).cause as Error).message}` : (error as Error).message;
            log.error('A compensation failed; it is retried', { step: record.step, attempts: record.attempts, error: record.lastError });
            this.changed();
            await sleep(ROUND_DELAY);
          }
        }
      }
    });
  }
}
