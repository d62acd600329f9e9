import { endpointMatches, type MatchSubject } from '../../topics.js';
import type { EndpointRecord } from '../../types.js';

/** Topics whose matching endpoints are kept at most; past that the kept ones are forgotten. */
const KEPT_TOPICS = 256;

/** The endpoints an event goes to, and their ids (what the outbox stores). */
export interface MatchedEndpoints {
  readonly endpoints: readonly Readonly<EndpointRecord>[];
  readonly ids: readonly string[];
}

/**
 * Which endpoints want an event: those enabled (or disabled for failing: they keep collecting deliveries, sent
 * once re-enabled) whose topics, jobs and metadata select it.
 *
 * For the app's own events (no job, no metadata) the answer depends on the topic and the endpoints only, so
 * with in-process storage's endpoints (`peekEndpoints`: the same array until an endpoint is written, then a
 * new one) it is kept per topic while that array is the one handed out: a publish to 50 endpoints then
 * matches none of them again, which was most of what it cost beyond a publish to one.
 */
export class MatchingEndpoints {
  /** The endpoint array the kept answers were found in. */
  #of: readonly Readonly<EndpointRecord>[] | null = null;
  readonly #byTopic = new Map<string, MatchedEndpoints>();

  /**
   * The endpoints of `all` that want the event. `shared` says `all` is an array storage hands out again, unchanged,
   * until an endpoint is written (`peekEndpoints`). The answer is read-only.
   */
  match(all: readonly Readonly<EndpointRecord>[], subject: MatchSubject, shared: boolean): MatchedEndpoints {
    const keep = shared && subject.jobId === null && subject.metadata === null;
    if (keep) {
      if (all !== this.#of) {
        this.#of = all;
        this.#byTopic.clear();
      }
      const kept = this.#byTopic.get(subject.topic);
      if (kept !== undefined) return kept;
    }
    const endpoints: Readonly<EndpointRecord>[] = [];
    for (const e of all) {
      if ((e.enabled || e.disabledReason === 'failing') && endpointMatches(e, subject)) endpoints.push(e);
    }
    const matched = { endpoints, ids: endpoints.map((e) => e.id) };
    if (keep) {
      if (this.#byTopic.size >= KEPT_TOPICS) this.#byTopic.clear();
      this.#byTopic.set(subject.topic, matched);
    }
    return matched;
  }
}
