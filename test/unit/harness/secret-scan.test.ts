import { temporal } from '@temporalio/proto';
import { findSecrets, historyTexts } from '../../harness/secret-scan';

// The scan that guards "no secret in workflow history" must find a secret wherever a payload holds
// it; this is the check that it can fail.
const SECRET = 'hunter2-Very-Secret-Value';
const payload = (value: unknown) => ({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(value)) });

function historyWith(result: unknown): temporal.api.history.v1.IHistory {
  return temporal.api.history.v1.History.decode(
    temporal.api.history.v1.History.encode({
      events: [{ activityTaskCompletedEventAttributes: { result: { payloads: [payload(result)] } } }],
    }).finish(),
  );
}

test('a secret inside an activity result is found once payloads are decoded; a search of the JSON misses it', () => {
  const history = historyWith({ secretName: 'creds', leaked: SECRET });
  expect(JSON.stringify(history)).not.toContain(SECRET);
  expect(findSecrets(historyTexts(history), [SECRET], 'the history')).toEqual(['the history holds secret #1 of 1']);
});

test('a secret in base64 (as in a Kubernetes Secret\'s data) is found too; a clean history has no finding', () => {
  expect(findSecrets(historyTexts(historyWith({ data: Buffer.from(SECRET).toString('base64') })), [SECRET], 'h')).toHaveLength(1);
  expect(findSecrets(historyTexts(historyWith({ secretName: 'creds' })), [SECRET], 'h')).toEqual([]);
});
