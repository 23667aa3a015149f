import { AGENT_POD_SELECTOR, hasAgentTemplate } from '../../../model/labels';

describe('agent and tool workloads', () => {
  test('agent and tool templates count; other workloads do not', () => {
    const workload = (type?: string) => ({ spec: { template: { metadata: { labels: (type ? { 'kagenti.io/type': type } : {}) as Record<string, string> } } } });
    expect(hasAgentTemplate(workload('agent'))).toBe(true);
    expect(hasAgentTemplate(workload('tool'))).toBe(true);
    expect(hasAgentTemplate(workload('database'))).toBe(false);
    expect(hasAgentTemplate(workload())).toBe(false);
  });

  test('the pod selector names exactly the agent and tool types', () => {
    expect(AGENT_POD_SELECTOR).toBe('kagenti.io/type in (agent,tool)');
  });
});
