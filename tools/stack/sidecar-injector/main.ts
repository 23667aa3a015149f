import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createInjectorServer } from './server';

// The legacy sidecar injector as a process of the local stack (tools/stack/components/sidecar-injector.ts).

const { values } = parseArgs({
  options: { port: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } },
  strict: true,
});
if (!values.port || !values.cert || !values.key) {
  console.error('usage: main.ts --port=<port> --cert=<serving certificate PEM> --key=<its key PEM>');
  process.exit(2);
}

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const server = createInjectorServer({ cert: readFileSync(values.cert, 'utf8'), key: readFileSync(values.key, 'utf8') }, log);
server.listen(Number(values.port), '127.0.0.1', () => log(`listening on https://127.0.0.1:${values.port}`));
