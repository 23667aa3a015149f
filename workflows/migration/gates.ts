import type { ApprovalRecord, ApproveInput } from '../../model/migration';

/**
 * The approval gates of a migration and which one awaits approval. Only the gate that awaits
 * approval can be approved: an approval out of order, repeated, or for a gate not reached yet is
 * refused with the reason.
 */
export class Gates {
  readonly approvals: ApprovalRecord[] = [];
  /** The gate that awaits approval now. */
  awaiting?: string;

  constructor(public gates: string[]) {}

  /** Why `input` cannot be accepted now, or undefined when it can. */
  refusal(input: ApproveInput, finished: string | undefined): string | undefined {
    if (finished) return `the migration is ${finished}: nothing to approve`;
    const gate = input.gate ?? this.awaiting;
    if (gate === undefined) return 'no gate awaits approval now: the migration is running its next step';
    if (!this.gates.includes(gate)) return `unknown gate '${gate}'; the gates are ${this.gates.join(', ')}`;
    if (this.isApproved(gate)) return `gate '${gate}' was already approved`;
    if (this.awaiting === undefined) return `gate '${gate}' has not been reached yet: the migration is running its next step`;
    if (gate !== this.awaiting) return `out of order: '${this.awaiting}' awaits approval, not '${gate}'`;
    return undefined;
  }

  isApproved(gate: string): boolean {
    return this.approvals.some((a) => a.gate === gate);
  }

  /** Records an approval that `refusal` accepted; returns the gate approved. */
  approve(input: ApproveInput, at: string, via: ApprovalRecord['via']): ApprovalRecord {
    const record: ApprovalRecord = { gate: (input.gate ?? this.awaiting)!, by: input.by, comment: input.comment, at, via };
    this.approvals.push(record);
    return record;
  }
}
