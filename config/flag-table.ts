import { FLAGS } from './settings';

/** The configuration reference table, made from the flag definitions themselves. */
export function flagTable(): string {
  const rows = FLAGS.map((f) => {
    const env = f.env.map((name) => `\`${name}\``).join(', ');
    const fallback = f.default === '' ? '(empty)' : `\`${f.default}\``;
    return `| \`--${f.flag}\` | ${env} | ${fallback} | ${f.description} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
