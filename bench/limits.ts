/**
 * What limits each target cronhook misses, from profiling (`--cpu-prof` of the workers, a heap snapshot of
 * 20k registered jobs); shown in docs/benchmarks.md next to each unmet target. Keyed by target id (see
 * report.ts). Update it when the profile changes.
 */
export const LIMITS: Record<string, string> = {
  'registration-bytes':
    'per job, a `JobRecord` holds ~7 objects (record, schedule, target, retry, catchUp, metadata, heap entry; ' +
    '~490 B) and 3 `Date`s (createdAt, updatedAt, nextRunAt; ~96 B each), plus its own copy of the cron ' +
    'string (`trim().replace()` makes a new one per job). On top, each distinct expression compiles to a ' +
    'cron-parser `CronExpression` with luxon `DateTime`/`Locale`/`CronDate` objects: ~4 KB per pattern, so ' +
    'the 1,440 distinct patterns weigh ~6 MB — 40% of the total at 10k jobs, 7% at 100k (where cronhook ' +
    'retains ~860 B/job, about 1/4 of node-cron’s). Fixes: keep times as epoch numbers inside MemoryStorage ' +
    '(it copies on every read anyway), share frozen default `retry`/`metadata`/`catchUp` objects and intern ' +
    'the normalized `schedule` and the cron string per (expression, timezone) via `compileCron`, and compile ' +
    'cron fields to bitmasks instead of keeping cron-parser objects.',
  'registration-time':
    'CPU profile of 100k `addJob`s: garbage collection ~30%, compiling each distinct expression with ' +
    'cron-parser (+ luxon) ~0.45 ms per pattern (~20% at 100k, most of it at 1k–10k), `buildJobRecord` ' +
    'validation and copies, `MemoryStorage.insertJob`’s defensive `cloneJob`, `toPublicJob` for the return ' +
    'value and the `job.added` event, and one awaited promise chain per job. Fixes: a cron compiler without ' +
    'luxon (bitmask fields, arithmetic next-match), no defensive clone when the Scheduler hands over a record ' +
    'it built itself, building the `job.added` payload only when someone listens, and an `addJobs(batch)` ' +
    'for bulk registration.',
  'registration-100k':
    'the same costs as the time per job above: 10–20 µs of wall time per job depending on the load on ' +
    'the machine (13–20 µs of CPU, garbage collection on helper threads included); 1 s needs < 10 µs.',
  'accuracy-1':
    'one run passes through claim → plan → `advanceJob` → p-queue → `updateRun` → awaited `job.started` ' +
    'before the handler; ~3 ms p50 on this loaded machine against 1.4–2.4 ms for node-cron and croner, ' +
    'whose timer callback calls the handler directly. Node’s millisecond timer granularity is ~1 ms of it.',
  'accuracy-1000':
    'about 0.2–0.5 ms of CPU per run (profile of 1k jobs due every second): ~45% of the claim path is ' +
    '`planOccurrences` calling cron-parser (luxon) because `WallMatcher` remembered only its last ' +
    '(query, answer) pair while each job asks three different instants (first − 1, first, now); it now keeps ' +
    'four pairs (commit 91ed0cc; on a copy of the tree that cut p99 for 1k jobs from ~155 ms to ~100 ms). The rest is per-run records and copies (`newRunRecord`, `cloneRun`, `toPublicJob`/`toPublicRun` ' +
    'per event), `AbortSignal.any` per run and per attempt, p-queue and p-retry. Runs start only after ' +
    'their claim batch is planned and advanced. Remaining fixes (~0.1 ms of CPU per run is left): claiming and advancing due jobs with one ' +
    'storage call per batch (`advanceJobs`), starting each run as soon as its job is advanced, and a fast ' +
    'path for handler runs without retries (no p-retry, one signal). node-cron and croner miss this target ' +
    'on this machine too (their p99 is next to cronhook’s).',
  'accuracy-10000':
    'the same per-run cost as for 1k (~0.1–0.2 ms of CPU per run), so 10k runs due in one second take ' +
    'about one to two seconds of CPU to start: the last ones start ~1 s late, but none is missed (node-cron ' +
    'and croner, by contrast, drop runs at this size). Before commit fa456d5 the claim loop went through ' +
    'every batch in one macrotask and starved timers (the quick run could time out); it now yields between ' +
    'batches. Fixes as for 1k.',
  http:
    'CPU-bound in the scheduler process (~0.35 ms of CPU per run against ~0.1 ms per plain request; the ' +
    'undici part is the same in both). Around the request: garbage collection ~10%, `AbortSignal.any` ' +
    '(one per run in RunTracker, one per attempt in Runner, and the transport’s) ~5%, p-queue ~4%, p-retry, ' +
    'the run record copied on `insertRun` and each `updateRun`, `job.started`/`job.succeeded` payloads, a ' +
    'timeout timer per attempt, header and request validation, and `truncateUtf8` via a Buffer. Fixes: one AbortController per run forwarded by hand instead of ' +
    '`AbortSignal.any`, a fast path without p-retry when `retry.attempts` is 1, store the run once when it ' +
    'finishes (not at start and end) for memory storage.',
  'webhook-memory-1':
    'per delivery: `claimDeliveries` and `completeAttempt` copy records, `getEndpoint`/`getMessage` copies, ' +
    'a fresh HMAC key per signature, ids from `randomUUID`, and one dispatcher wake (claim + nextDeliveryAt) ' +
    'per finished attempt.',
  'webhook-memory-50':
    'CPU-bound in the notifier process: the per-delivery bookkeeping above (storage copies, events, ' +
    '`AbortSignal.any`, a dispatcher wake with a claim of one delivery per finished attempt) on top of the ' +
    'same signing and undici work the plain loop does. Fixes: claim in batches (refill when half the slots ' +
    'are free), cache the endpoint’s HMAC `KeyObject`, and skip copies the notifier does not need.',
  'webhook-latency-1': 'see the per-delivery costs above.',
  'webhook-latency-50':
    'a message’s 50 deliveries go out 16 at a time, and each slot that frees wakes the dispatcher to claim ' +
    'one more delivery from storage (a round trip per delivery); the loop baseline hands the next request ' +
    'to the free slot directly.',
  'webhook-sqlite-1':
    'node:sqlite is synchronous: each transaction — `insertMessage`, one `claimDeliveries` per freed slot and ' +
    'one `completeAttempt` per attempt, each committed with `synchronous: full` — blocks the event loop ' +
    '(~70% of CPU samples are inside `SqliteConnection.transaction`). `synchronous: normal` gives ~1.5×. ' +
    'Fixes: group commits (complete the attempts that finish within a few ms in one transaction), claim ' +
    'several deliveries per transaction even when one slot frees, or move SQLite to a worker thread.',
  'webhook-sqlite-50': 'as for one endpoint: two synchronous commits per delivery.',
  'webhook-postgres-1':
    'three round trips per delivery (claim, getEndpoint/getMessage, completeAttempt), each a commit with ' +
    'fsync, and one claim per freed slot. Fixes: batch claims and group-commit attempt results.',
  'webhook-postgres-50': 'as for one endpoint.',
  'scale-out': 'PostgreSQL is not installed on this machine, so it was not measured.',
};
