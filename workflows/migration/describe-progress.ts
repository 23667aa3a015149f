import type { MigrationProgress } from '../../model/migration';
import { workloadLabel } from './steps';

/** The migration's state as the Temporal UI shows it: Markdown, one list item per fact. */
export function describeProgress(progress: MigrationProgress): string {
  const items = [
    ...(progress.awaiting ? [`awaiting approval of **${progress.awaiting.gate}**${progress.awaiting.deadline ? ` until ${progress.awaiting.deadline}` : ''}`] : []),
    ...progress.workloads.map((w) => `${workloadLabel(w)} (wave ${w.wave}): ${w.state}${w.detail ? `: ${w.detail}` : ''}`),
    ...progress.compensations.filter((c) => c.state !== 'recorded').map((c) => `undo: ${c.step}: ${c.state}${c.lastError ? ` (${c.lastError})` : ''}`),
    ...(progress.reason ? [`reason: ${progress.reason}`] : []),
  ];
  const title = `**${progress.namespace}**: ${progress.state}, phase ${progress.phase}${progress.wave ? ` (wave ${progress.wave.index} of ${progress.wave.total})` : ''}`;
  return [title, '', ...items.map((item) => `- ${item}`)].join('\n');
}
