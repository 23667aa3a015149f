import type { MigrationProgress } from '../model/migration';

/** The progress of a migration as a person reads it in a terminal. */
export function formatProgress(p: MigrationProgress): string {
  const lines = [`Migration of ${p.namespace}: ${p.state}, phase ${p.phase}${p.wave ? ` (wave ${p.wave.index} of ${p.wave.total})` : ''}`];
  if (p.awaiting) lines.push(`  awaiting approval of gate '${p.awaiting.gate}' since ${p.awaiting.since}${p.awaiting.deadline ? `, deadline ${p.awaiting.deadline}` : ''}`);
  if (p.reason) lines.push(`  reason: ${p.reason}`);
  const failed = p.preflight.filter((c) => !c.ok);
  if (failed.length > 0) {
    lines.push('  preflight failed:');
    for (const c of failed) lines.push(`    ✗ ${c.name}: ${c.message}`);
  }
  if (p.gates.length > 0) {
    const approved = new Set(p.approvals.map((a) => a.gate));
    lines.push(`  gates: ${p.gates.map((g) => (approved.has(g) ? `${g} ✓` : g === p.awaiting?.gate ? `[${g}]` : g)).join(' → ')}`);
  }
  if (p.workloads.length > 0) {
    lines.push('  workloads:');
    for (const w of p.workloads) lines.push(`    wave ${w.wave}  ${w.kind} ${w.name}: ${w.state}${w.detail ? ` (${w.detail})` : ''}`);
  }
  const undone = p.compensations.filter((c) => c.state !== 'recorded');
  if (undone.length > 0) {
    lines.push('  compensations:');
    for (const c of undone) lines.push(`    ${c.state.padEnd(8)} ${c.step}${c.attempts > 1 ? ` (attempt ${c.attempts})` : ''}${c.lastError ? `: ${c.lastError}` : ''}`);
  }
  return lines.join('\n');
}
