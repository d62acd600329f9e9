/** The publish cost part of section 5: one message to 1 and to 50 matching endpoints. */
import { type BenchResults, ok } from '../lib/results.js';
import { fmt, status, type Target, table } from './format.js';

export function publishTargets(results: BenchResults): Target[] {
  const out: Target[] = [];
  for (const { storage, outcome } of results.publish ?? []) {
    const r = ok(outcome);
    const one = r?.costs.find((c) => c.endpoints === 1);
    const fifty = r?.costs.find((c) => c.endpoints === 50);
    out.push({
      id: `publish-${storage}`,
      target: `Publish (${storage}): one message to 50 matching endpoints costs ≤ 2× one to 1 endpoint`,
      measured:
        one && fifty
          ? `${fmt(fifty.usPerPublish)} vs ${fmt(one.usPerPublish)} µs per publish (${fmt(fifty.usPerPublish / one.usPerPublish, 2)}×)`
          : 'not measured',
      met: one && fifty ? fifty.usPerPublish <= 2 * one.usPerPublish : null,
    });
  }
  return out;
}

export function publishTable(results: BenchResults): string {
  const entries = results.publish ?? [];
  if (entries.length === 0) return '### Publish cost\n\nNot run.';
  const rows = entries.flatMap(({ storage, outcome }) => {
    const r = ok(outcome);
    if (!r) return [[storage, status(outcome), '', '', '']];
    const one = r.costs.find((c) => c.endpoints === 1);
    return r.costs.map((c) => [
      storage,
      fmt(c.endpoints),
      fmt(c.usPerPublish, 1),
      fmt(c.cpuUsPerPublish, 1),
      one ? `${fmt(c.usPerPublish / one.usPerPublish, 2)}×` : '–',
    ]);
  });
  return [
    '### Publish cost',
    '',
    'One `publish()` at a time, each awaited (it resolves once the message and its deliveries are committed), to a',
    'storage holding 1 endpoint and to one holding 50, all matching the topic; the two side by side in one',
    'process per storage, in alternating windows, best window of each. Nothing is sent (the notifier is not',
    'started). CPU: of the publishing process only.',
    '',
    table(['storage', 'matching endpoints', 'µs per publish', 'CPU µs per publish', 'vs 1 endpoint'], rows),
  ].join('\n');
}
