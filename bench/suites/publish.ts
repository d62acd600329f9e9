/** Section 5b: what publishing one message costs with 1 and 50 matching endpoints. */
import { runWorker } from '../lib/child.js';
import type { StorageKind } from '../lib/storages.js';
import type { PublishCostInput, PublishCostResult } from '../workers/publish-cost.js';
import { describe, NO_POSTGRES, type SuiteContext } from './context.js';

export async function publishSuite({ profile, results, log, postgres }: SuiteContext): Promise<void> {
  for (const storage of ['memory', 'sqlite', 'postgres'] as StorageKind[]) {
    if (storage === 'postgres' && postgres === null) {
      results.publish!.push({ storage, outcome: { status: 'skipped', reason: NO_POSTGRES } });
      continue;
    }
    const { timeoutMs, ...publish } = profile.publish;
    const input: PublishCostInput = {
      storage,
      ...publish,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
    };
    const outcome = await runWorker<PublishCostResult>('publish-cost', input, { timeoutMs });
    results.publish!.push({ storage, outcome });
    log(
      `publish ${storage}: ${describe(outcome, (r) => r.costs.map((c) => `${c.endpoints} endpoints ${c.usPerPublish} µs`).join(', '))}`,
    );
  }
}
