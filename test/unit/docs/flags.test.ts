import { readFileSync } from 'node:fs';
import { DOC, withFlagTable } from '../../../tools/docs-flags';

test('the documented flags, variables and defaults are exactly the code’s (npm run docs:flags regenerates them)', () => {
  const doc = readFileSync(DOC, 'utf8');
  expect(doc).toBe(withFlagTable(doc));
  expect(doc).toContain('| `--operator-namespace` | `OPERATOR_NAMESPACE`, `POD_NAMESPACE` | `kagenti-system` |');
});
