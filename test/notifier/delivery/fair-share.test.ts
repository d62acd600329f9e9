import { describe, expect, it } from 'vitest';
import { FairShare } from '../../../src/notifier/delivery/fair-share.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const options = { concurrency: 8, perEndpointConcurrency: 4, slowAttemptMs: 1_000 };

/** One attempt to `endpointId` that starts at `at` and takes `ms`; returns when it ended. */
function attempt(share: FairShare, endpointId: string, at: number, ms: number): number {
  share.started(endpointId, at);
  share.ended(endpointId, at, at + ms);
  return at + ms;
}

// The same endpoint ending attempt after attempt (one endpoint, the usual case) leaves its last outcome in
// place while nothing changes: these check that a change still counts, whichever endpoint ended last.
describe('FairShare: an endpoint takes its last outcome', () => {
  it('one endpoint: prompt after slow gets its share back, slow after prompt loses it', () => {
    const share = new FairShare(options);
    let t = attempt(share, 'ep_1', NOW, 10);
    t = attempt(share, 'ep_1', t, 10);
    expect(share.isPrompt('ep_1', t)).toBe(true);
    expect(share.mayStart('ep_1', t)).toBe(true);
    t = attempt(share, 'ep_1', t, 1_000);
    expect(share.isSlow('ep_1', t)).toBe(true);
    expect(share.isPrompt('ep_1', t)).toBe(false);
    expect(share.excluded(t)).toEqual([]);
    share.started('ep_1', t);
    expect(share.mayStart('ep_1', t)).toBe(false); // slow: one slot
    share.ended('ep_1', t, t + 5);
    t += 5;
    expect(share.isSlow('ep_1', t)).toBe(false);
    expect(share.isPrompt('ep_1', t)).toBe(true);
    expect(share.noneSlow(t)).toBe(true);
  });

  it('several endpoints: each keeps its own outcome as they take turns', () => {
    const share = new FairShare(options);
    let t = attempt(share, 'ep_1', NOW, 10);
    t = attempt(share, 'ep_2', t, 2_000);
    t = attempt(share, 'ep_1', t, 10);
    t = attempt(share, 'ep_1', t, 10);
    expect(share.isPrompt('ep_1', t)).toBe(true);
    expect(share.isSlow('ep_2', t)).toBe(true);
    t = attempt(share, 'ep_2', t, 10);
    t = attempt(share, 'ep_2', t, 10);
    expect(share.isPrompt('ep_2', t)).toBe(true);
    expect(share.noneSlow(t)).toBe(true);
    t = attempt(share, 'ep_1', t, 1_500);
    expect(share.isSlow('ep_1', t)).toBe(true);
    expect(share.isPrompt('ep_2', t)).toBe(true);
    expect(share.noneSlow(t)).toBe(false);
  });
});
