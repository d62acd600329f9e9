import { describe, expect, it } from 'vitest';
import { ClaimedAhead, type Launcher } from '../../../src/notifier/delivery/claimed-ahead.js';
import { FairShare } from '../../../src/notifier/delivery/fair-share.js';
import type { DeliveryRecord } from '../../../src/notifier/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const options = {
  prefetch: 8,
  concurrency: 8,
  perEndpointConcurrency: 8,
  leaseMs: 60_000,
  slowAttemptMs: 5_000,
};

function delivery(id: string, dueOffsetMs: number, endpointId = 'ep_1'): DeliveryRecord {
  return {
    id,
    messageId: `msg_${id}`,
    endpointId,
    topic: 'invoice.paid',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(NOW + dueOffsetMs),
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: new Date(NOW),
    updatedAt: new Date(NOW),
    lockedBy: 'me',
    lockedUntil: new Date(NOW + options.leaseMs),
  };
}

/**
 * A buffer for prompt endpoints ep_1 and ep_2, and a launcher whose slots are full: `state.room` slots free
 * up, each taken by a launch.
 */
function setup(overrides: Partial<typeof options> = {}) {
  const share = new FairShare({ ...options, ...overrides });
  for (const id of ['ep_1', 'ep_2']) {
    share.started(id, NOW - 10);
    share.ended(id, NOW - 10, NOW - 5); // answered promptly: its deliveries may wait
  }
  // Deliveries handed back are stored unleased: recorded here (they were never stored).
  const storage = new MemoryStorage();
  const handedBack: DeliveryRecord[] = [];
  storage.updateDelivery = async (d) => void handedBack.push(d);
  const ahead = new ClaimedAhead({ ...options, ...overrides }, storage, share);
  const launched: string[] = [];
  const failures: unknown[] = [];
  const state = { room: 0 };
  const launcher: Launcher = {
    hasRoom: () => state.room > 0,
    launch: (d) => {
      state.room--;
      launched.push(d.id);
    },
    fail: (error) => void failures.push(error),
    dropped: (d) => void failures.push(`dropped ${d.id}`),
    returned: () => {},
  };
  /** The deliveries handed back so far, once stored, as `id lockedBy`. */
  const returned = async () => {
    await ahead.returning();
    expect(failures).toEqual([]);
    return handedBack.map((d) => `${d.id} ${d.lockedBy}`);
  };
  return { ahead, share, launcher, launched, state, returned };
}

describe('ClaimedAhead', () => {
  it('sends what waits and what each claim brings in due order, whatever order the claims came in', () => {
    const { ahead, launcher, launched, state } = setup();
    // A claim in due order, then one out of order, then one due between those already waiting.
    expect(ahead.launch([delivery('b', 20), delivery('d', 40)], launcher, NOW)).toBe(0);
    expect(ahead.launch([delivery('e', 50), delivery('a', 10)], launcher, NOW)).toBe(0);
    expect(ahead.launch([delivery('c', 30), delivery('c2', 30), delivery('f', 60)], launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(7);
    state.room = 10;
    ahead.launch([], launcher, NOW);
    expect(launched).toEqual(['a', 'b', 'c', 'c2', 'd', 'e', 'f']);
  });

  it('puts deliveries due at the same time in id order, those waiting and those claimed alike', () => {
    const { ahead, launcher, launched, state } = setup();
    ahead.launch([delivery('m', 0), delivery('x', 0)], launcher, NOW);
    ahead.launch([delivery('a', 0), delivery('n', 0), delivery('z', 0)], launcher, NOW);
    state.room = 10;
    ahead.launch([], launcher, NOW);
    expect(launched).toEqual(['a', 'm', 'n', 'x', 'z']);
  });

  it('keeps what waits once a freed slot is taken again, while no endpoint is slow', () => {
    const { ahead, launcher, launched, state } = setup();
    const claimed = ['a', 'b', 'c', 'd'].map((id, i) => delivery(id, i, i % 2 ? 'ep_2' : 'ep_1'));
    ahead.launch(claimed, launcher, NOW);
    state.room = 1;
    expect(ahead.launch([], launcher, NOW + 1)).toBe(0);
    expect(launched).toEqual(['a']);
    expect(ahead.size).toBe(3);
    state.room = 10;
    ahead.launch([], launcher, NOW + 2);
    expect(launched).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sends from the front one freed slot at a time, and what is left merges with the next claim in due order', async () => {
    const { ahead, launcher, launched, state, returned } = setup();
    ahead.launch(
      ['a', 'b', 'd', 'f'].map((id, i) => delivery(id, i * 10)),
      launcher,
      NOW,
    );
    for (const expected of [['a'], ['a', 'b']]) {
      state.room = 1;
      expect(ahead.launch([], launcher, NOW + 1)).toBe(0);
      expect(launched).toEqual(expected);
    }
    expect(ahead.size).toBe(2);
    ahead.launch([delivery('c', 15), delivery('e', 25)], launcher, NOW + 2);
    expect(ahead.size).toBe(4);
    state.room = 2;
    ahead.launch([], launcher, NOW + 3);
    expect(launched).toEqual(['a', 'b', 'c', 'd']);
    // Stopping hands back exactly what still waits.
    expect(ahead.launch([], launcher, NOW + 4, false)).toBe(2);
    expect(await returned()).toEqual(['e null', 'f null']);
    expect(ahead.size).toBe(0);
  });

  it('keeps what waits for an endpoint at its limit in place while later ones are sent, in due order', () => {
    const { ahead, share, launcher, launched, state } = setup();
    ahead.launch([delivery('a', 0, 'ep_1'), delivery('b', 1, 'ep_2')], launcher, NOW);
    // ep_1 at its limit (8 attempts in flight): a waits, b may go.
    for (let i = 0; i < options.perEndpointConcurrency; i++) share.started('ep_1', NOW);
    state.room = 1;
    ahead.launch([], launcher, NOW + 1);
    expect(launched).toEqual(['b']);
    expect(ahead.size).toBe(1);
    ahead.launch([delivery('c', 2, 'ep_2'), delivery('d', 3, 'ep_2')], launcher, NOW + 2);
    state.room = 1;
    ahead.launch([], launcher, NOW + 3);
    expect(launched).toEqual(['b', 'c']);
    expect(ahead.size).toBe(2);
    share.ended('ep_1', NOW, NOW + 4);
    state.room = 10;
    ahead.launch([], launcher, NOW + 5);
    expect(launched).toEqual(['b', 'c', 'a', 'd']);
  });

  it('sends each delivery once when a launch frees its slot at once and the dispatcher asks for the waiting again', () => {
    const { ahead, launcher, launched, state } = setup();
    // An attempt that fails as it is launched (its endpoint gone) frees its slot inside launch().
    const failing: Launcher = {
      ...launcher,
      launch: (d) => {
        launcher.launch(d);
        state.room++;
        ahead.launchWaiting(failing, NOW + 1);
      },
    };
    ahead.launch(
      ['a', 'b', 'c', 'd'].map((id, i) => delivery(id, i)),
      launcher,
      NOW,
    );
    state.room = 1;
    ahead.launchWaiting(failing, NOW + 1);
    expect(launched).toEqual(['a', 'b', 'c', 'd']);
    expect(ahead.size).toBe(0);
  });

  it('hands back what waits for an endpoint that turned slow, though the slots are full again', async () => {
    const { ahead, share, launcher, launched, state, returned } = setup();
    const claimed = ['a', 'b', 'c', 'd'].map((id, i) => delivery(id, i, i % 2 ? 'ep_2' : 'ep_1'));
    ahead.launch(claimed, launcher, NOW);
    share.started('ep_2', NOW); // an attempt of ep_2 that runs long: ep_2 is slow from NOW + slowAttemptMs
    const later = NOW + options.slowAttemptMs;
    state.room = 1;
    expect(ahead.launch([], launcher, later)).toBe(2);
    expect(launched).toEqual(['a']);
    expect(ahead.size).toBe(1);
    expect(await returned()).toEqual(['b null', 'd null']);
    state.room = 10;
    ahead.launch([], launcher, later);
    expect(launched).toEqual(['a', 'c']);
  });

  it('hands back what waited half its lease, though the slots are full again', async () => {
    const { ahead, launcher, launched, state, returned } = setup();
    const claimedLater = { ...delivery('a', 0), lockedUntil: new Date(NOW + options.leaseMs * 2) };
    ahead.launch([claimedLater, delivery('b', 1), delivery('c', 2)], launcher, NOW);
    state.room = 1;
    // b and c have waited half their lease; a, leased later, has not.
    expect(ahead.launch([], launcher, NOW + options.leaseMs / 2)).toBe(2);
    expect(launched).toEqual(['a']);
    expect(ahead.size).toBe(0);
    expect(await returned()).toEqual(['b null', 'c null']);
  });

  // With these options an endpoint's share here is 8 (the whole buffer), half of it 4.
  it("claims half an endpoint's share until a claim brings one prompt endpoint's deliveries", async () => {
    const { ahead, launcher, returned } = setup();
    expect(ahead.claimLimit(0)).toBe(4);
    expect(ahead.claimLimit(5)).toBe(5);
    // A new endpoint's deliveries cannot wait (handed back): the claims after them stay at half a share.
    ahead.launch([delivery('n1', 0, 'ep_new'), delivery('n2', 1, 'ep_new')], launcher, NOW);
    expect(await returned()).toEqual(['n1 null', 'n2 null']);
    expect(ahead.claimLimit(0)).toBe(4);
  });

  it("after a claim of one prompt endpoint's deliveries, claims take its whole share when it is all of prefetch", async () => {
    const { ahead, launcher, launched, state, returned } = setup();
    ahead.launch([delivery('a', 0), delivery('b', 1)], launcher, NOW);
    // ep_1 holds 2: the next claim takes a whole share (8), in a buffer that may hold 11 (as after a spread
    // claim), all of which ep_1 may hold: its share is all of prefetch, it may use every slot.
    expect(ahead.claimLimit(0)).toBe(8);
    const more = ['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((id, i) => delivery(id, 10 + i));
    expect(ahead.launch(more, launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(10);
    expect(ahead.low).toBe(false);
    expect(ahead.excluded(NOW)).toEqual(['ep_1']);
    expect(ahead.claimLimit(0)).toBe(1);
    // Slots free up: once fewer than half of prefetch wait, the refill claim takes a whole share again.
    state.room = 7;
    ahead.launch([], launcher, NOW);
    expect(launched).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(ahead.low).toBe(true);
    expect(ahead.excluded(NOW)).toEqual([]);
    expect(ahead.claimLimit(0)).toBe(8);
    const refill = ['k', 'l', 'm', 'n', 'o', 'p', 'q', 'r'].map((id, i) => delivery(id, 20 + i));
    expect(ahead.launch(refill, launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(11);
    expect(await returned()).toEqual([]);
  });

  it('keeps what a prompt endpoint holds past its share when a claim of other endpoints follows', async () => {
    const { ahead, launcher, returned } = setup();
    ahead.launch([delivery('a', 0)], launcher, NOW);
    const more = ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((id, i) => delivery(id, 1 + i));
    ahead.launch(more, launcher, NOW);
    expect(ahead.size).toBe(9);
    // ep_1 holds 9, more than its share (8), when a claim spread over endpoints comes: none of it handed back.
    expect(ahead.launch([delivery('x', 5, 'ep_2'), delivery('y', 6, 'ep_new')], launcher, NOW)).toBe(1);
    expect(ahead.size).toBe(10);
    // Nor when the next claim, sized after that spread one, comes.
    expect(ahead.launch([delivery('z', 7, 'ep_2')], launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(11);
    expect(await returned()).toEqual(['y null']);
  });

  it('after a claim spread over endpoints, claims take the fullest endpoint share left, up to half of prefetch more', async () => {
    const { ahead, launcher, returned } = setup();
    ahead.launch([delivery('a', 0), delivery('b', 1), delivery('c', 2, 'ep_2')], launcher, NOW);
    // ep_1 holds 2: a claim of 6 all to ep_1 fits its share (8). The buffer, under half full, may hold up to
    // 11 (the share, 8, more than the 3 it may hold when the refill claim comes), not 8: room for 8.
    expect(ahead.low).toBe(true);
    expect(ahead.claimLimit(0)).toBe(6);
    const more = ['d', 'e', 'f', 'g', 'h', 'i'].map((id, i) => delivery(id, 10 + i, `ep_${1 + (i % 2)}`));
    expect(ahead.launch(more, launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(9);
    expect(await returned()).toEqual([]);
    // ep_1 holds 5 (more than half its share): the next claim leaves it out; room for 2 more.
    expect(ahead.low).toBe(false);
    expect(ahead.excluded(NOW)).toEqual(['ep_1']);
    expect(ahead.claimLimit(0)).toBe(2);
  });

  it("holds no more than prefetch after spread claims when an endpoint's share is at most half of it", async () => {
    // The default options' proportions (a share of 4 of 16): the refill claim, made once fewer than 8 wait,
    // is a full one (4) already.
    const { ahead, share, launcher, returned } = setup({ prefetch: 16, perEndpointConcurrency: 2 });
    const endpoints = ['ep_1', 'ep_2', 'ep_3', 'ep_4', 'ep_5', 'ep_6'];
    for (const id of endpoints.slice(2)) {
      share.started(id, NOW - 10);
      share.ended(id, NOW - 10, NOW - 5);
    }
    ahead.launch([delivery('a', 0), delivery('b', 1, 'ep_2')], launcher, NOW);
    expect(ahead.claimLimit(0)).toBe(3);
    const fanout = (n: number) => endpoints.map((id) => delivery(`${n}${id}`, n, id));
    for (let n = 1; n <= 3; n++) ahead.launch(fanout(n), launcher, NOW);
    expect(ahead.size).toBe(16);
    expect(ahead.claimLimit(0)).toBe(0);
    expect(await returned()).toHaveLength(2 + 6 * 3 - 16);
  });

  it('does not hand back what waits when a claim of one endpoint follows spread ones', async () => {
    const { ahead, launcher, launched, state, returned } = setup();
    const claimed = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id, i) =>
      delivery(id, i, i < 4 ? 'ep_1' : 'ep_2'),
    );
    ahead.launch([delivery('0', 0, 'ep_2'), delivery('1', 0)], launcher, NOW);
    ahead.launch(claimed, launcher, NOW);
    expect(ahead.size).toBe(10); // more than prefetch (8), as spread claims may
    ahead.launch([delivery('x', 20, 'ep_2')], launcher, NOW); // one endpoint's: claims shrink again
    expect(ahead.size).toBe(11);
    expect(ahead.claimLimit(0)).toBe(0);
    // A claim for 2 free slots: sent in due order, the other 11 wait on, none handed back.
    state.room = 2;
    expect(ahead.claimLimit(2)).toBe(2);
    expect(ahead.launch([delivery('y', 30, 'ep_2'), delivery('z', 31)], launcher, NOW)).toBe(0);
    expect(launched).toEqual(['0', '1']);
    expect(ahead.size).toBe(11);
    expect(await returned()).toEqual([]);
  });

  it('leaves an endpoint holding more than half its share out, and sizes the claim by the others', () => {
    const { ahead, launcher } = setup();
    const claimed = ['a', 'b', 'c', 'd', 'e'].map((id, i) => delivery(id, i));
    ahead.launch([...claimed, delivery('f', 9, 'ep_2')], launcher, NOW);
    expect(ahead.excluded(NOW)).toEqual(['ep_1']);
    // Room for 5 (up to 11 may wait after a spread claim); ep_2 holds 1 of its 8: 7 fit, whatever the
    // endpoints, though ep_1 has 3 left.
    expect(ahead.claimLimit(0)).toBe(5);
    expect(ahead.claimLimit(4)).toBe(7);
  });
});
