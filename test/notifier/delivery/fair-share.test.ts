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

describe('FairShare.noneSlow', () => {
  it('turns false once any attempt in flight has run slowAttemptMs, also one started after it was last asked', () => {
    const share = new FairShare(options);
    let t = attempt(share, 'a', NOW, 10);
    t = attempt(share, 'b', t, 10);
    expect(share.noneSlow(t)).toBe(true); // nothing in flight
    share.started('a', t + 100);
    expect(share.noneSlow(t + 200)).toBe(true);
    share.started('b', t + 300);
    expect(share.noneSlow(t + 1_099)).toBe(true);
    expect(share.noneSlow(t + 1_100)).toBe(false); // a's has run 1 s
    share.ended('a', t + 100, t + 1_100);
    expect(share.noneSlow(t + 1_200)).toBe(false); // a's last attempt took long
    const fresh = new FairShare(options);
    fresh.started('c', NOW);
    fresh.ended('c', NOW, NOW + 10);
    expect(fresh.noneSlow(NOW + 10)).toBe(true);
    fresh.started('d', NOW + 20); // new, asked after the look above
    expect(fresh.noneSlow(NOW + 1_019)).toBe(true);
    expect(fresh.noneSlow(NOW + 1_020)).toBe(false);
  });
});

describe('FairShare: endpoints in flight and remembered', () => {
  it('keeps the attempts of endpoints still in flight counted, whichever left flight first', () => {
    const share = new FairShare(options);
    let t = NOW;
    for (const id of ['a', 'b', 'c']) t = attempt(share, id, t, 10);
    share.started('a', t);
    share.started('b', t);
    share.started('c', t);
    share.started('c', t + 1);
    share.ended('a', t, t + 5);
    expect(share.noneSlow(t + 5)).toBe(true);
    expect(share.excluded(t + 5)).toEqual([]);
    // b's and c's first attempts run long: both slow, one slot each, so both are left out.
    const late = t + 1_000;
    expect(share.isSlow('b', late)).toBe(true);
    expect(share.isSlow('c', late)).toBe(true);
    expect(share.isSlow('a', late)).toBe(false);
    expect(share.noneSlow(late)).toBe(false);
    expect(share.excluded(late).sort()).toEqual(['b', 'c']);
    share.ended('c', t, late);
    share.ended('c', t + 1, late + 1);
    expect(share.excluded(late + 1)).toEqual(['b']);
    expect(share.isSlow('c', late + 1)).toBe(true); // its last attempt took long
    expect(share.mayStart('c', late + 1)).toBe(true); // one slot, free
  });

  it('past 10,000 endpoints remembered forgets one not heard from lately, not one heard from again', () => {
    const share = new FairShare(options);
    let t = NOW;
    for (let i = 0; i < 10_000; i++) t = attempt(share, `ep_${i}`, t, 1);
    t = attempt(share, 'ep_0', t, 1);
    t = attempt(share, 'ep_new', t, 1);
    expect(share.isPrompt('ep_new', t)).toBe(true);
    expect(share.isPrompt('ep_0', t)).toBe(true);
    expect(share.isPrompt('ep_1', t)).toBe(false); // forgotten: new again
    expect(share.isPrompt('ep_2', t)).toBe(true);
    expect(share.mayStart('ep_1', t)).toBe(true);
  });
});
