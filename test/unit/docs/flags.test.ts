import { readFileSync } from 'node:fs';
import { DOC, withGeneratedSections } from '../../../tools/docs-flags';

test('the documented flags, ConfigMap keys, Secrets and defaults are exactly the code’s (npm run docs:flags regenerates them)', () => {
  const doc = readFileSync(DOC, 'utf8');
  expect(doc).toBe(withGeneratedSections(doc));
  expect(doc).toContain('| `--operator-namespace` | `OPERATOR_NAMESPACE`, `POD_NAMESPACE` | `kagenti-system` |');
  expect(doc).toContain('| `CLIENT_AUTH_TYPE` | `client-secret` |');
  expect(doc).toContain('| `kagenti-keycloak-client-credentials-<16 hex of SHA-256>` |');
});
