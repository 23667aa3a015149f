import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/**
 * Every text a workflow history holds, decoded: each payload's data (activity inputs and results,
 * signals, queries' answers, markers, memos, search attributes, summaries) as UTF-8, and every
 * string field (failure messages, stack traces). A secret hidden anywhere in a payload is found
 * here, where a search of the history's JSON would only see the bytes' numbers.
 */
export function historyTexts(history: temporal.api.history.v1.IHistory): string[] {
  const texts: string[] = [];
  const decoder = new TextDecoder();
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (value instanceof Uint8Array) texts.push(decoder.decode(value));
    else if (value && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child);
    }
  };
  visit(history.events ?? []);
  return texts;
}

/** Where any of `secrets` (as it is, or base64-encoded as in a Secret's data) appears in `texts`: one line per finding. */
export function findSecrets(texts: string[], secrets: string[], where: string): string[] {
  const findings: string[] = [];
  secrets.forEach((secret, index) => {
    const forms = [secret, Buffer.from(secret).toString('base64')];
    // The finding names the secret by its place in the list: not even part of it goes into a report.
    if (texts.some((text) => forms.some((form) => text.includes(form)))) findings.push(`${where} holds secret #${index + 1} of ${secrets.length}`);
  });
  return findings;
}

/** A signed JWT (header and claims are base64url JSON objects): any bearer token, whoever it was issued to. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

/** Finds bearer tokens (JWTs) in `texts`: a token is a credential until it expires, and none belongs in a history or a log. */
export function findTokens(texts: string[], where: string): string[] {
  return texts.some((text) => JWT.test(text)) ? [`${where} holds a bearer token (JWT)`] : [];
}

/** Scans the history of every execution the visibility `query` lists (every run, every task queue it names). */
export async function scanHistories(client: Client, query: string, secrets: string[]): Promise<{ histories: number; findings: string[] }> {
  let histories = 0;
  const findings: string[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    findings.push(...findSecrets(historyTexts(history), secrets, `the history of ${execution.workflowId} (${execution.runId})`));
    histories++;
  }
  return { histories, findings };
}
