import { Writable } from 'node:stream';
import { createLogger } from '../../config/logger';

test('secret-looking fields are redacted in log lines, at the top level and one level down', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
  createLogger('test', 'info', sink).info({ namespace: 'team1', password: 'hunter2', credentials: { clientSecret: 's3cr3t', username: 'admin' } }, 'Logged in');
  const line = JSON.parse(lines[0]);
  expect(line).toMatchObject({ component: 'test', namespace: 'team1', password: '[redacted]', credentials: { clientSecret: '[redacted]', username: 'admin' }, msg: 'Logged in' });
  expect(lines[0]).not.toMatch(/hunter2|s3cr3t/);
});
