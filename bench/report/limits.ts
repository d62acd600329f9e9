/**
 * What limits each target cronhook misses, from profiling (`--cpu-prof` of the workers, heap snapshots);
 * shown in docs/benchmarks.md next to each unmet target, so only the entries of unmet targets appear. Keyed
 * by target id (see index.ts). Update it when the profile changes.
 */
export const LIMITS: Record<string, string> = {
  'registration-bytes':
    'per job: the stored record with its times as epoch numbers, the public copy handed back, and the ' +
    'due-index entry; schedules, handler targets, default retry policies and empty metadata are shared ' +
    'frozen objects, and each distinct (expression, timezone) compiles once to lookup tables.',
  'registration-time':
    'CPU profile of 100k `addJob`s: ~4 µs per job of fixed overhead — two async layers (`addJob`, ' +
    '`insertJob`), `Map` growth to 100k entries, the stored and public copies, garbage collection.',
  'registration-100k':
    'CPU is ~0.4 s for 100k jobs; the wall time rises above the CPU time when other processes share the ' +
    'two cores (up to 2.3× measured under a load average of 5). An `addJobs(batch)` would remove one async ' +
    'layer per job.',
  'accuracy-1':
    'Node’s timers have millisecond granularity; a run passes claim → plan → `advanceJob` → start before ' +
    'the handler, against a direct timer callback in node-cron and croner.',
  'accuracy-1000':
    'the worst one or two of the 10 bursts (the p99 of 10,000 runs is the tail of those), and what stops ' +
    'the process inside them. Due jobs are claimed up to 500 ms ahead (capped at `leaseMs`/10) and their runs ' +
    'start together from one timer at the due instant, each within that timer’s callback; what a start ' +
    'needs but its start time does not is made while the run waits (since stop 18 the handler’s whole ' +
    'argument). A quiet burst takes 2.3-3 ms from first to last handler (~2.5 µs per run), after a timer ' +
    'wake 1-2 ms past the instant (Node’s timers count whole milliseconds from `Date.now()`). The bad ' +
    'bursts, measured in one process per burst (stop 18, load 5-12): run-queue waits (the process ' +
    'descheduled, 5-100+ ms at that load), and page faults: on this host a first touch of a fresh page ' +
    'costs 20-60 µs (1.6 MB of fresh memory in 8-23 ms), and about a third of the bursts allocate into ' +
    'young-generation pages the kernel has to supply (~400 faults; those bursts spanned 15-45 ms). So every ' +
    'byte allocated at the instant counts: stop 18 cut it from 1.45-1.6 to 0.8-1.0 MB per 1,000-run burst ' +
    '(the handler’s argument made ahead; attempt timeouts sharing a deadline in a list, not a Set; a run’s ' +
    'end handed on in the continuation that ends its attempt, not a second one), and in paired runs (one ' +
    'process, alternating seconds, 120 bursts each) the faulting bursts’ span fell from a median of 45 to ' +
    '24 ms and the lateness at 90% of a burst from 19.6 to 14.8 ms; quiet bursts stayed level. Left at the ' +
    'instant per run: the start time’s `Date`, the attempt and its timeout entry, the attempt’s promise and ' +
    'its two closures, the storage write (~0.8-1 KB); and 500 ms ahead the claim (~5.7 KB per run: the ' +
    'job’s copy from storage, its plan, the run record and its stored copy), whose scavenges can fall in a ' +
    'burst. Not a regression: the code of stop 17’s start (3b48741) against stop 17’s end, the bench’s ' +
    'worker in separate processes, 6 pairs in both orders at load 4-9: p50 lower at the end in 6 of 6 ' +
    '(7.1-11.1 against 8.7-18.2 ms; telemetry’s idle check made a start cheaper with the API installed), ' +
    'p99 19-180 ms for both.',
  'accuracy-10000':
    'as at 1k: the start work of the runs ahead, and scavenges (a burst keeps each of its runs live until ' +
    'its handlers are all called, so a scavenge inside it copies them all). On a FakeClock (one process, ' +
    'bursts alternating, load ~10) timer to first handler was 7.3 ms at 10k runs before this stop (every ' +
    'wait resolved, then a continuation each) and 0.07 ms after; per run 6-11 µs at that load. None is ' +
    'missed (node-cron and croner drop runs at this size). Under load the first bursts of the window are ' +
    'the risk: they come 2-4 s into the process, while its heap still grows (mark-compacts of 20-140 MB, ' +
    'thousands of page faults in a burst): in stop 18, at load 5-7, one such burst took 1.1 s (435 ms of ' +
    'GC, 840 ms of run-queue wait), and separate runs of the bench’s worker spread 77-1,800 ms at p99, ' +
    'stop 17’s start and end alike; later bursts took 17-57 ms of CPU (~2-6 µs per run).',
  http:
    'Both sides are CPU-bound on one core each (sender and receiver share the 2 cores), and the comparison ' +
    'is even: 16 connections each, no pipelining, bodies read to their end, the same receiver, the same ' +
    'windows (a 3 s warm-up since stop 16: in fresh processes both still compiled and collected through ' +
    'their first ~3-4 s, alike). What separates them is ' +
    'the scheduler’s bookkeeping per run: in one process over loopback (alternating 250 ms bursts, load ' +
    '7-14) `HttpTransport.send` with a job’s five headers costs 0.89-0.91× the loop’s CPU per request, a ' +
    'triggered run 1.11-1.13× (one sample at load 14: 0.97×); without I/O a whole triggered run costs less ' +
    'than the loop’s request (~5.5 vs ~8.5 µs), so the run’s own work (~4-5 µs there: run record, stored ' +
    'copy and retention, tracker, attempt, three promise hops) costs about twice as much between real ' +
    'requests as in a hot loop, spread over many small items none above ~0.5 µs. The receiver spends ~5% ' +
    'more on cronhook’s requests (its four extra headers). The ratio is the best round of each: the loop’s ' +
    'rounds vary far more than cronhook’s in the same minutes (e09d31a’s run: 14.5-20.2k against 15.2-16.5k ' +
    'runs/s), so it picks the loop’s fastest; the median of the paired rounds was 0.94× there (pairs 1.08, ' +
    '0.84, 0.94, 1.05, 0.79), as section 7’s telemetry-absent rows (0.94×). Earlier findings: ' +
    'CPU-bound in one process. Measured without I/O (undici’s dispatch answered in process, the same 16 ' +
    'callers, alternating bursts in one process, loaded machine), cronhook’s own work per run is about ' +
    'twice what the loop’s `request()` adds to a bare dispatch (lowest bursts ~4.4 vs ~2 µs there): that ' +
    'is the gap. The job’s four extra headers (idempotency key, job, scheduled time, user agent) are a ' +
    'small part: a bare dispatch with cronhook’s five headers as a flat list costs 0-5% more CPU than ' +
    'with the loop’s one (three paired runs over loopback); a copy of the loop sending them spent ~7% ' +
    'more, `request()` handling an object of headers. Of cronhook’s own work, MemoryStorage’s writes were ' +
    'the largest part (~20% of a no-I/O run’s profile), more than half of it hashing each fresh run id ' +
    'into the index by id and deleting it when retention pruned the run. A run is now indexed by id only ' +
    'once something looks one up by id (`RunIdIndex`): ~10% less CPU per run in the no-I/O harness ' +
    '(median paired ratio 0.90 over 10 runs, 9 below 1), ~1-3% over loopback (within the noise of a ' +
    'loaded machine). A triggered run on in-process storage is now followed from its start to its stored ' +
    'outcome without an async layer of its own (`runNow`, `StartedRuns`, and the attempt’s own check of ' +
    'its response, which goes on to the outcome: one `.then` each on the transport’s promise; durable ' +
    'storage, lifecycle listeners and retries take the awaited path): ' +
    '~6-8% less main-thread CPU per run in the no-I/O harness (median paired ratio 0.92-0.95 over 300 ' +
    'interleaved 25 ms bursts in each of 4 processes, both orders, load 9-12), which leaves a whole run ' +
    'there at ~1.25× the loop’s (lowest bursts ~4.9 vs ~3.9 µs, 6 separate-process pairs). The rest is spread thin: four clock reads (~120 ns ' +
    'each on this host), the run, its stored copy and its public view, one per-millisecond timer group ' +
    '(the attempt’s timeout on the Clock), three `.then`s ' +
    '(the last one, merged into the attempt’s, saved another ~2-4% without I/O), ' +
    'garbage collection. A run’s request is ended by the run’s own controller (stop, removal, the ' +
    'attempt’s timeout: `RunController`, `DirectAbort`): no abort listener and no watch entry per request, ' +
    'and on the system clock no deadline timer of the transport’s own (the attempt’s timeout is the same ' +
    'Node timer; a fake clock keeps both). Timers per run went from 1.35 to 1.11 over loopback at load ~10 ' +
    '(undici’s keep-alive timer is the 1.0 the loop has too) and abort listeners from 0.58 to 0; CPU per ' +
    'run lower in 128 of 210 alternating in-process rounds (median paired ratios 0.86-0.99) and in 7 of 8 ' +
    'separate-process pairs, load 8-16. Over loopback the scheduler’s share is larger than without I/O: ' +
    'one process alternating a bare dispatch, `HttpTransport.send` and a triggered run measured 63, 68 and ' +
    '82 µs per run (load 10), against ~2, ~4 and ~9 µs without I/O. Handing the response to the attempt ' +
    'from the exchange, without the exchange’s promise and one `.then`, did not show a gain without I/O ' +
    '(3 runs of 24 pairs: 1.07, 0.99, 1.07) and was not kept. A job’s ' +
    'request is checked by the transport once per job record (in-process storage), not per run: only its ' +
    'idempotency key and scheduled time change, and its body is encoded once. MemoryStorage writes a run ' +
    'synchronously (its optional `insertRunNow`/`updateRunNow`/`pruneRunsNow`: three awaits fewer per ' +
    'run) and keeps a manual run out of its job’s occurrence-key map. Garbage collection is at the loop’s ' +
    'level since the run indexes and timeout groups stopped promoting every run ' +
    '(`src/fresh-collections.ts`); the notifier’s requests are watched for an abort only once pending after ' +
    '2 ms. The ratio moves ±5-10% between runs, and the loop’s rounds more. Stop 18: the tracker’s runs ' +
    'and MemoryStorage’s runs in flight are lists through the runs themselves (no Set insert and delete ' +
    'per run), a job’s count of held runs is updated in place, and a triggered run that starts at once ' +
    'resolves with its public view from the continuation that ends it (no `.then` per run): without I/O ' +
    'CPU per run 0.84-0.92× of the stop’s start in 4 paired processes (both orders, load ~10; an A/A ' +
    'control 1.07); over loopback within the noise at load 5-10 (0.96, 0.99, 1.06; A/A 0.91-1.00). ' +
    'Not kept: an HTTP job’s attempt told its response by the transport (`ResponseTarget`) instead of ' +
    'following its promise measured 1.00-1.06× without I/O, as the same idea did in stop 16; sharing the ' +
    'lease Date of runs made in one millisecond, level. What is left of the run’s own work without I/O ' +
    '(~2 µs of a ~6 µs run) is about one third MemoryStorage’s run writes (the stored copy and its ' +
    'checks at insert, the finished state, and retention pruning the run made 100 runs earlier, which ' +
    'is cold in the cache by then), the rest spread over ~40 small functions.',
  'webhook-memory-1':
    'CPU per delivery: in profiles cronhook’s own work is ~25-30% of its process’s CPU, the rest being the ' +
    'same undici, loopback writes and signing as in the warm loop (a key object per endpoint, one Agent). ' +
    'Its parts are small: the claim and completion writes into the outbox, the delivery log record, the ' +
    'endpoint and message copies read per attempt, event payloads (the benchmark listens to ' +
    '`delivery.succeeded`), the dispatcher’s turn per batch of answers and HttpTransport’s checks. A slot ' +
    'freed by an answer is refilled in that answer’s callback from the deliveries claimed ahead, so ~15.8 ' +
    'of 16 requests are in flight on average, as in the loop (it was ~12.5 while slots waited for the end ' +
    'of the event-loop turn). At one endpoint publish() stores each message with its one delivery ' +
    'record (`insertMessage`: fan-outs are for two endpoints and more), so the outbox’s share of the ' +
    'window is the claim from the wake queue, the record written in place at the outcome and its attempt ' +
    'kept: MemoryStorage alone costs ~2.5-3.5 µs of main-thread CPU per delivery (the ~6-8 µs reported ' +
    'before came from a storage-only loop that stored one-endpoint fan-outs, which the notifier never ' +
    'makes). What costs there is touching large or long-lived collections: the maps of every stored ' +
    'delivery and message (280k entries, whose entries miss the CPU’s caches: without the claimed ones ' +
    'kept at hand the whole pipeline in process costs ~20-30% more per delivery), and long-lived Maps and ' +
    'Sets every delivery passes through, whose tables V8 makes again in the old generation at each ' +
    'shrink, grow or clear (see `src/fresh-collections.ts`). Since stop 13 `FairShare` no longer ' +
    'deletes and sets again its one endpoint’s last outcome at every attempt (that Map’s only entry: two ' +
    'tables per attempt), the deliveries at hand stay there after their attempt and those maps are ' +
    'replaced rather than cleared at their cap, and the attempting set and `FairShare`’s maps are ' +
    '`FreshSet`/`FreshMap`: in process (instant transport, both builds in one process in alternating 250 ' +
    'ms turns, load 4-12) CPU per delivery ~7-15% lower at one endpoint (lower in 21-27 of 30 turn pairs ' +
    'in 8 of 9 runs), storage alone ~25% (3.3 -> 2.5 µs, lower in 43 and 46 of 65 alternating chunks); ' +
    'over loopback (HttpTransport to the benchmark’s receiver, both builds in one process in alternating ' +
    'turns, load 2-7) the sender’s CPU per delivery ~4% lower at one endpoint (lower in 86 of 120 turn ' +
    'pairs, 5 runs: 57.3 -> 54.8, 63.6 -> 59.7 µs …), level at 50 (49 of 96). Separate worker processes ' +
    'could not tell (the same build gave 68-208 µs per delivery between rounds at load 4-7). A ' +
    'micro-benchmark of that Map alone showed ~0.1 µs per attempt (and 17.0 vs 17.1 ns in the last stop, ' +
    'when it was not kept): the cost is in the running process, not in the Map operation. Measured and ' +
    'not kept, each below this host’s resolution: an optional `peekMessage` (no message copy and no await ' +
    'per attempt: 24 of 40 in-process pairs lower, as many as a build against its own copy), dropping the ' +
    'claimed messages kept at hand (no gain at 50 endpoints; at one, 20-30% worse), and `ClaimedAhead`’s ' +
    'per-endpoint counts as a `FreshMap` (lower in 67 of 120 turn pairs at 50 endpoints, ~3%). Compared ' +
    'with the loop in one process over loopback (stop 14, load 7-13): allocation per delivery is close ' +
    '(~15.9 vs ~13.9 KB at one endpoint), scavenges promote no more of it than the loop’s (~0.7-0.9 vs ~2 ' +
    'KB per delivery), the request carries one header more (`user-agent`), cronhook makes ~9.5 promises ' +
    'per delivery to the loop’s 4, and 16-33% of its requests (those pending past 2 ms at that load) add and ' +
    'remove an abort listener; none of these is more than ~1 µs. What the loop has not is the backlog’s ' +
    'heap: 280k stored messages, ~1,150 B each at one endpoint before stop 14. Since then a webhook body ' +
    'is one flat string (a template literal made it a rope of 7 pieces, which the outbox kept and the ' +
    'first send flattened into a copy in the old generation), so is a derived delivery id (a one-endpoint ' +
    'delivery’s id too), and a message shares its stored date with its delivery: ~780 B per stored ' +
    'message. Over loopback (both builds in one process, alternating turns, both slot orders) the flat body ' +
    'lowered the sender’s CPU per delivery at one endpoint in 6 of 6 runs (median turn ratios 0.82-0.98), the ' +
    'flat id by ~1-5% (0.94-0.99, 3 sets), the shared date was level. In process with an instant transport ' +
    'the notifier costs ~10-12 µs per delivery at one endpoint: signing ~2.4 (as the loop’s), the claim ' +
    '~2.4 (keeping claimed deliveries at hand ~1, the claimed copies), the attempt, its record and outcome ' +
    '~3. Measured again and not kept: `peekMessage` (level, as before) and the at-hand maps capped at 512 ' +
    'instead of 4,096 (level).',
  'webhook-memory-50':
    'Garbage collection and the writes a claim makes. At 50 endpoints a fan-out’s delivery records are ' +
    'written when a claim first reaches them, inside the counted window; at one endpoint publish() wrote ' +
    'them before the window. A fanned-out delivery that succeeded at its first attempt is now kept as one ' +
    'compact object in its fan-out’s group, its record and attempt derived again when read: the delivery ' +
    'log keeps ~180 B in 3 objects per delivery (was ~470 B in 7), so the heap grows less than half as ' +
    'fast in the window; in process (instant transport, loaded machine, 5 alternating pairs) CPU per ' +
    'delivery at 50 endpoints fell ~9%, to within ~10% of one endpoint’s. What is left at 50 is short-lived: ' +
    'a claim now leases a fan-out’s deliveries straight from the fan-out, one lease object per claim in ' +
    'the fan-out’s group instead of a record, an entry and two wake-queue pairs per delivery, and a ' +
    'success goes from the lease to the compact form: storage CPU per delivery at 50 endpoints ~17% lower ' +
    'alone, the whole pipeline in process ~19% (6 pairs, load 10-13). Since stop 13 the notifier’s ' +
    'attempting set and `FairShare`’s per-endpoint maps are `FreshSet`/`FreshMap` (see one endpoint): in ' +
    'process CPU per delivery at 50 endpoints lower in 24 and 23 of 30 turn pairs (16.0 -> 13.7, 14.6 -> ' +
    '13.7 µs; over loopback level, 49 of 96). What is left per delivery is the ' +
    'claimed copy, its id and the message copy each attempt reads. On top comes the same ' +
    'undici, loopback writes and signing as the loop, which gets cheaper at 50 endpoints since it builds one ' +
    'message per 50 requests. The receiver competes for the same two cores, so both swing widely between ' +
    'runs. Stop 14’s flat bodies and delivery ids (see one endpoint) are about level here (slot-balanced ' +
    'median turn ratios 0.95-1.05 for the body, 0.97 for the id): a message is sent 50 times, so its one ' +
    'flatten and its stored bytes are spread over 50 deliveries. Stop 15 looked at where 50 endpoints cost ' +
    'more than one (load 11-18, so indicative): the same build at 1 and at 50 endpoints in one process in ' +
    'alternating turns costs 10-27% more per delivery at 50 with an instant transport (per-turn medians; ' +
    '~1.2-2 µs: the fan-out lease and compact form, and per-endpoint entries in the fair-share and ' +
    'claimed-ahead maps that come and go with each attempt instead of staying), and 3-22% more over loopback ' +
    '(slot-balanced ~6%); the plain loop in the same harness costs ~10% less at 50 than at 1 (per-turn ' +
    'medians 0.88-0.90), more than its message building (~1-1.4 µs per message) explains. So about half of ' +
    'the ratio’s drop from 1 to 50 endpoints is the loop getting cheaper. The comparison is even: the same ' +
    'receiver, one undici Agent each and all 50 endpoints paths of one origin (one pool each side), 16 ' +
    'requests in flight each (cronhook 15.9 on average at both counts; claims of 63-64 rows, ~16 per 1,000 ' +
    'deliveries at both). Since stop 15 what a message costs is paid once for its deliveries in a row, not ' +
    'per attempt: the message read (and copied) once per fan-out (`RecentMessage`), its body encoded once ' +
    '(`HttpTransport`), its signed content joined once (`SigningKeys`): in process at 50 endpoints CPU per ' +
    'delivery lower in 6 of 8 runs (geometric mean of the per-turn medians 0.97), over loopback (load 17-22, ' +
    'a receiver cheaper than the benchmark’s) lower in total in 4 of 4 runs but with mixed per-turn medians, ' +
    'while an A/A control’s medians moved 20%: unresolved. Stop 16 found a cost in garbage collection that ' +
    'grew with load: every attempt passes the dispatcher’s one signal, and a request still pending after 2 ms ' +
    '(most of them after any GC pause or on a busy host) added an abort listener of its own to it. Node ' +
    'links listeners in a list; an entry that reached the old generation stayed there dead and kept the one ' +
    'added after it alive, and with it the request’s Exchange, undici request and response, so each watched ' +
    'request was promoted in turn. In the benchmark’s worker (50 endpoints, load 8-11) ~1-1.9 KB per ' +
    'delivery were promoted and most 3 s windows held a mark-compact (5 of 7 runs; ~8-25 µs per delivery ' +
    'when it did). Now one listener per signal serves all its requests (`SignalWatch`): ~200-260 B promoted ' +
    'per delivery, the delivery log’s own, no mark-compact in 6 windows of 6, young-generation GC per ' +
    'delivery 7-18 µs against 30-72 in the same minutes (one endpoint: 305 B against 1,843 promoted). What is ' +
    'promoted now is what the log keeps; a mark-compact comes once that fills the old generation’s headroom ' +
    '(~50 MB at 50 endpoints, ~12 s at 20k/s). The notifier’s requests are also checked by HttpTransport ' +
    'once per endpoint record (`EndpointRequests`), not per attempt (in process ~3% less CPU per delivery, ' +
    'indicative), and `FairShare` keeps one entry per endpoint from one attempt to the next (its own work ' +
    'per attempt at 50 endpoints 364-394 -> 190-213 ns; the claimed-ahead counts still come and go per ' +
    'claim). Session-start and final builds in the benchmark’s worker, alternating (load 7-12, rates ' +
    '1-11k/s, so indicative): 50 endpoints 99 -> 67, 126 -> 100 and 139 -> 150 µs per delivery (that last ' +
    'final run starved at 1,008/s), a mark-compact in the window in 3 of 3 old runs and 0 of 3 new, promoted ' +
    '665-1,334 -> 209-287 B per delivery; one endpoint 67 -> 56 and 207 -> 75 µs. Young collections are now the GC that remains: at 50 endpoints the heap is small and ' +
    'little survives, so V8 keeps its young generation at 16-32 MB, where the loop’s (which promotes more) ' +
    'grows to 64 MB: cronhook then collects more often (0.5-1.2 per 1,000 deliveries against ~0.25 for the ' +
    'loop in single runs, load 9-11), each collection cheap. Since stop 17 a Standard Webhooks signature is ' +
    'HMAC-SHA256 made of two one-shot SHA-256 hashes over keys padded once per endpoint and the message’s ' +
    'bytes encoded once per message (`hmac-sha256.ts`), not a `createHmac` per attempt (a stream object, a ' +
    'key handle and three calls into C++): 2.04 -> 0.82 µs per signature alone; in process over loopback ' +
    '(load 6-9) CPU per delivery at 50 endpoints 0.88-0.94 of the build before in 4 runs, both slot orders ' +
    '(A/A 0.97, 1.02), at one endpoint 0.94-0.96; in the benchmark’s worker (load 11-13) signing’s share of ' +
    'the main thread’s samples 4.4% and 13% -> 2.5% and 1.8%, the totals too noisy to read. What remains ' +
    'per delivery is spread thin: no cronhook function costs more than ~1.5 µs per delivery (the attempt ' +
    'record, outcome, report, claim), against the loopback write (~15-20 µs) and undici (~15) both sides pay. ' +
    'Since stop 17 an attempt also leaves less garbage, so young collections come less often: it is ' +
    '`deliver()` itself, told of failures through its `LaunchedAttempt`, not wrapped in an async function ' +
    'of the dispatcher’s; MemoryStorage stores its outcome without an await (`completeAttemptNow`, as ' +
    '`insertRunNow`) and not from an async function; an exchange keeps its body without an array and its ' +
    'headers without an empty object; `FairShare` ends an attempt without a `splice` array. Bytes allocated ' +
    'per delivery at 50 endpoints with an instant transport (all allocations sampled, 20,000 deliveries ' +
    'after 60,000): 7,535 -> 5,725; in the benchmark’s worker (load ~1.5, 5 pairs of separate processes, ' +
    'both orders) 13.0-14.0 -> 11.6-12.4 KB per delivery (the rest is undici, the sockets and the event ' +
    'payloads), young collections 0.41-0.53 -> 0.34-0.47 per 1,000 deliveries, their pauses 1.7-1.9 -> ' +
    '1.5-1.8 µs per delivery; CPU per delivery there swings more than that (ratios 0.88-1.32). In one ' +
    'process over loopback, process CPU per delivery: the first half of these changes level (1.00, 1.00, ' +
    'load 6), the second half 0.95 and 0.97 of the build before it (both slot orders, load 2; A/A 1.01). The loop ' +
    'allocates as much per request (~16 KB sampled: undici’s request API and body stream), but promotes ' +
    'more (~3 KB per request at ~14k/s), and its young generation grows to 64 MB. Stop 18 measured the ' +
    'transport alone (one process over loopback, 16 requests in flight, alternating turns, load 5-9): ' +
    'cronhook’s checked send costs ~30-31 µs of main-thread CPU per request, undici’s bare `dispatch` with ' +
    'a handler that does nothing ~29-30 (0.88-0.98 of it), undici’s `request()` as the loop calls it ~38 ' +
    '(1.19-1.32): the exchange, its deadline and the response object add ~1 µs over undici. Signing is two ' +
    'one-shot SHA-256 calls, ~1.0 µs per signature, level with the two calls alone. Sampled over loopback ' +
    'the loop allocates ~12.3 KB per request and cronhook ~11.7 KB per delivery. A request sent through ' +
    'the checked sender may now tell its attempt the outcome directly (`ResponseTarget`), without a ' +
    'promise, its resolvers and an await (transport alone 0.98 and 1/1.03 of the promise, per-turn medians). ' +
    'So what is left between cronhook and the loop is the attempt’s own JS on the notifier side. Stop 18 ' +
    'made an attempt no async function: the dispatcher’s call reads, signs and sends it, the transport ' +
    'tells the attempt itself how its request ended (`ResponseTarget`), and with in-process storage its ' +
    'outcome is stored and reported in that same call (`attempt-in-flight.ts`): bytes allocated per ' +
    'delivery at 50 endpoints with an instant transport 5,985 -> 5,125, CPU per delivery in one process ' +
    'with an instant transport 0.91 of the build before (pooled per-turn median, 6 runs both slot orders, ' +
    'A/A 1.01), at one endpoint 0.98; over loopback within the noise (0.99, load 5-7). What is left of ' +
    'cronhook’s own per delivery is what its contract asks for, spread thin: the attempt’s record (its id, ' +
    'a Date, the headers of interest), the delivery’s next state, and the event payload (the public ' +
    'delivery, an endpoint view with Dates of its own, the event’s Date): five Dates and ~5 KB of ' +
    'short-lived objects per delivery, against the loopback write and undici both sides pay.',
  'webhook-latency-1': 'see the per-delivery costs above.',
  'webhook-latency-50':
    'CPU: a message’s 16 first requests leave within ~1 ms, then the answers come back in waves while the ' +
    'receiver process waits for a core; at ~150 µs of CPU per delivery (as the plain loop), the 25th ' +
    'delivery needs ~3.75 ms of CPU on one core, so < 5 ms holds only on a quiet machine. The loop’s own ' +
    'p50 in the same run is the reference.',
  'webhook-sqlite-1':
    "the sender's main thread and the outcomes' storing. Accounted per delivery (indicative, loaded " +
    'machine): the main thread ~63-100 µs user + 8-20 µs system; the SQLite statements ~24-38 µs of it ' +
    '(in process: the outcome UPDATE 6-11, the lease UPDATE … RETURNING of 32 rows 4.7-6.3, the claimable ' +
    'SELECT 4.1-4.9, the attempt INSERT 3.7-5.6, COMMIT 2.2-4; since this stop the SELECT returns the ' +
    'rows whole and the lease returns nothing, which took 10-18% off the CPU per row of SELECT, lease ' +
    'and commit in an alternating micro-benchmark: `RETURNING` copies the rows through a temporary ' +
    'table); the WAL flush ' +
    '(thread pool, fdatasync since this stop) and the checkpoint worker ~3-8 µs; ~0.04 commits per ' +
    'delivery. Until this stop the notifier stopped starting requests while 4 × `concurrency` results ' +
    'waited to be stored, and storing one took 7-27 ms, so only 10-13 of 16 requests were in flight; the ' +
    'cap was then 8 × `concurrency` (32 × since the third stop of 2026-12-07, for Postgres: SQLite level ' +
    'in lab pairs). Until this stop each attempt read `PRAGMA data_version` outside a write ' +
    '(a read transaction with its WAL locks, 5-6% of the main thread’s busy time in profiles of the counted ' +
    'window); its endpoint and message are now read as of its delivery’s claim, which reads the version ' +
    'inside its own transaction (0-1%). In those profiles the claims take ~9% of the main thread’s busy ' +
    'time, the outcomes ~5%, undici’s socket writes ~13%. A checkpoint’s RESTART phase holds every write ' +
    'about once a second: in the counted window 0-21 ms each, 0.7-1.2% of it; ~1 WAL frame (4 KiB) is ' +
    'written per delivery. The opt-in `writeThread: ' +
    "'worker'` runs the outbox's writes on a thread of their own: the main thread spends 25-30% less per " +
    'delivery, but the thread costs ~54 µs (copies between threads, its own event loop and heap). Until ' +
    'this stop SQLite (3.53, as node:sqlite bundles it) compiled the claimable SELECT again at every ' +
    'claim: it plans with the value of a parameter that is the whole `LIMIT`, so each bind marks the ' +
    'statement stale; `LIMIT ? + 0` ends that (1.3% of the sending process’s CPU in profiles of the ' +
    'counted window, 7-8% of a storage-only claim-and-complete loop). Counted later (loopback, strace of ' +
    'the WAL writes, dbstat; load 5-12): ~0.86 WAL frames per delivery, ~25 per commit of ~28 deliveries; ' +
    'per commit by b-tree: deliveries 7.3 (its leaves split as a lease adds `locked_by`, a 45-character ' +
    'instance id, to rows written full; a 2-character id measured no different), attempts 3.9, finished ' +
    '3.6, attempts by delivery 3.5, ready 3.4, pending 2.4, page 1. Each frame is paid three times: two ' +
    'pwrites in the COMMIT on the main thread (`walWriteOneFrame`, ~11% of a storage-only loop’s process ' +
    'CPU), the flush’s writeback on libuv’s thread (4-9 µs per delivery), the checkpoint’s copy. A group ' +
    'ends once the WAL’s flush has returned (and 4 turns), so claims of 64 left commits at ~24-38 per ' +
    '1,000 deliveries: outcomes waiting a few milliseconds more under load is the lever left (tried, ' +
    '3 ms past the flush: 20-25 commits per 1,000 against 24-27; paired CPU at load 10-16 went both ways, ' +
    'the slot bias larger than the effect; not kept). Since then a claim reads its rows’ ' +
    'messages joined, in one statement, once most of them are not kept (2.55 → 1.9 µs per row, the ' +
    'statements alone). Handing each flush to the thread pool wakes a thread: at load 6-9 that stalled ' +
    'the event loop 45-130 µs at the median and 0.5-4.7 ms at p90 (the woken thread preempts the main ' +
    'one), wall time that a quiet host pays far less of.',
  'webhook-sqlite-50':
    'the same per-delivery work as at one endpoint (the claim with its lease UPDATE, an UPDATE and an ' +
    'attempt INSERT per outcome, outcomes sharing commits; the main thread ~75-80% of the CPU, garbage ' +
    'collection most of the rest), against a loop that does more at 50 endpoints than at one; at 50 ' +
    'endpoints the claims also write the delivery records of the fan-outs (stored compact by `publish`), ' +
    'which at one endpoint `publish` writes outside the window: ~1,024 records per claim that writes, ' +
    'across the deliveries table’s 7 b-trees (table, id, newest, endpoint, message, ready, pending); all ' +
    'but the few dozen the writing claim takes are leased later by an UPDATE of their row. Since this stop ' +
    'they go 64 rows per INSERT OR FAIL (one row per statement before: under the default ABORT a statement ' +
    'writing several rows keeps a journal of the pages it changes, past 64 KiB in a temporary file, ~16 µs ' +
    'per record; FAIL keeps none, and the failed write’s savepoint or its group’s rollback undoes its rows), ' +
    'into the lists’ indexes made ascending (schema version 10: descending, a new entry went at the start ' +
    'of its range, and page splits left those pages about half empty, twice the pages written per record), ' +
    '~1,024 per claim instead of ~512. Records alone (50 endpoints, commit included): ~9.2 µs and 2.2 KB of ' +
    'WAL per record, 500 per commit one row per statement, before; ~5-5.5 µs and 1.3 KB now. What is left ' +
    'is mostly the per-endpoint index: a page per endpoint at each commit, and its splits. Storage-only ' +
    'claim-and-complete loop, main-thread CPU per delivery, both builds in one process in alternating ' +
    'chunks, load 8-12: the rows per statement and the index order ~7% lower (median paired ratios ' +
    '0.90-0.985, 4 runs), the larger writes ~3% more (0.93-1.01, 8 runs); one endpoint unchanged. Since an ' +
    'earlier stop the claimable SELECT, and the page of due fan-outs a claim reads, are compiled once ' +
    '(see one endpoint).',
  'webhook-postgres-1':
    "the sender's and the server's CPU on the same two cores (~80% busy in these rounds). Accounted per " +
    'delivery (indicative, loaded machine): ~0.03 round trips (a claim of 64 with its leases; until the ' +
    'second stop of 2026-12-07 claims after one endpoint’s deliveries alone took half its share, 32: 31 ' +
    'claims per 1,000 deliveries, now 16, over HTTP the server’s CPU per delivery lower in 70 of 80 paired ' +
    'turns, median ratios 0.78-0.89, the sender’s in 55 of 80, 0.84-0.95; a completion ' +
    'group of ~40-50 outcomes: since this stop results wait up to 8 event-loop turns for more, 25-35 ' +
    'before), each costing the sender ~40-50 µs of CPU in node-postgres; the server ' +
    "~80-105 µs, most of it the outcome: it rewrites the row with an entry in 4 of the deliveries' " +
    'indexes (status, `updated_at`, `next_attempt_at` change; 5 before schema version 24 left the ids ' +
    'derived from their message’s out of the message index), ~8 WAL records per delivery (9 before ' +
    'schema version 20 keyed attempts by their delivery: one index on attempts, not two). Until this ' +
    'stop the notifier stopped starting requests while 4 × `concurrency` results waited to be stored: ' +
    '48-55 of 64 waited on average and only 7-10 of 16 requests were in flight; the cap was then 8 × ' +
    '`concurrency`, and since the third stop of 2026-12-07 it is 32 ×: with 8, a group of ~60 committing ' +
    'with ~60 more queued behind it still reached the cap whenever a commit was slow (the backend waits ' +
    'for a core it shares with sender and receiver), every request in flight then ended with none started ' +
    'after it, and in lab pairs over HTTP (load 8-12) nothing was in flight 27-44% of the sampled time ' +
    '(memory: never), sender and receiver idle meanwhile, a likely share of these rounds’ idle fifth. With ' +
    '16 the next group takes what queued meanwhile: outcome calls per 1,000 deliveries 10-25% fewer; in ' +
    'two 30-turn runs (one per slot order) deliveries/s per turn +19% and +15% (medians), backend CPU per ' +
    'delivery -9% and -16%, sender + server -7% and -9%, against an A/A control within 6%; under that load ' +
    'the cap of 16 was still reached in 7-17% of samples (2-9% at 50 endpoints), so 32: sender + server ' +
    '-7%, deliveries/s +11% at one endpoint, level at 50 (six runs); a claim in flight with the claimed-ahead ' +
    'buffer empty still leaves slots idle in 16-25% (35-50% at 50 endpoints) at load 7-11. The sender’s higher CPU per delivery than with memory is ' +
    'mostly the rate it runs at, not Postgres work: memory slowed to the same rate by a CPU-bound process ' +
    'beside it cost 110 µs per delivery against Postgres’ 121 (lab, load 4-6), where the adapter and driver ' +
    'account for ~13%; what a wake-up adds with Postgres is ~100 event-loop turns per 1,000 deliveries ' +
    '(epoll waits 244 against 136-144), the outcome group’s 8 turns of waiting for more, an estimated 0.5-1 µs. ' +
    'Two result groups committing at once did not help: the commit waits for CPU here, ' +
    'not the disk. Since schema version 16 results go as one typed array per changed column (not JSON ' +
    'rows), since 17 the update locks them itself in id order (since 19 sorted by the function). Since 12 the lease is a ' +
    'HOT update; since 13 the claim returns each endpoint and message id as a column; lookups by one id ' +
    'keep a generic plan; the endpoint row a claim returned serves its leased deliveries’ attempts; a ' +
    'dispatcher with every slot busy no longer asks for the next due time. Since schema version 21 a claim ' +
    'reads the claim index from where the last one started: each delivered delivery leaves its old entry at ' +
    'the front of that index until a vacuum (autovacuum looks once a minute), and at this rate every claim ' +
    'walked through tens of thousands of them (claims of 32 with 50-65k such entries, paired, two runs: ' +
    '55 -> 37 and 65 -> 48 µs of backend CPU per claimed delivery). Since schema version 23 the claim ' +
    'returns plain rows (no JSON made and parsed per delivery) and each message and endpoint once without ' +
    'window sorts: its statement time per delivery ~40 -> ~27 µs at claims of 32 (storage alone, 5 of 5 ' +
    'paired runs), the sender about level. Measured this stop (one backend, groups alternating): a ' +
    '`complete_outcomes()` call costs ~0.9 ms of backend CPU whatever its size plus ~25 µs per result ' +
    '(groups of 16/32/64: 80/52/38 µs per result), ~0.65 ms of the fixed part the synchronous commit’s WAL ' +
    'flush (53/46/37 with `synchronous_commit` off); each index entry the outcome writes ~3.8 µs (with only ' +
    'the primary key and the claim index left, 52 -> 37 µs per result). Over HTTP the groups were ~40-50 ' +
    '(the turns pass quickly between answers; 16 or 32 turns instead of 8 gave 45-46): since this stop a ' +
    'group queued while the previous one committed also waits up to 4 ms: median 58 results, not 51 (lab over ' +
    'HTTP, load 5-7: backend CPU per delivery lower in 6 of 7 pairs at one endpoint, median -8%, and 3 of ' +
    '3 at 50; the sender’s lower in 5 of 7 and 1 of 3). A node-postgres round trip costs the sender ' +
    '~90-110 µs of CPU before any row (this host’s system calls are dear: ~10% of the sender’s CPU is ' +
    'the hypervisor’s interrupt enable), and parsing a claim of 32 as 65 rows of objects ~300 µs more: ' +
    'since this stop a message rides on its delivery’s row and the rows come as arrays (claim client CPU ' +
    '-6..-13%). Since stop 17 a claim’s delivery rows carry neither the status nor the lease (the client ' +
    'knows them: pending, its instance, its `now` + `leaseMs`), and its asynchronous commit rides on its last ' +
    'row, not on each (4 of 23 values a row): the driver’s client CPU per claim of 128, 708 -> 596 µs, backend ' +
    'CPU per claim -5%; an outcome group’s recorded ids come back in one row, NULL when every delivery was ' +
    'there (client CPU per result 0.90 and 0.95 of before, backend level): ~1-2 µs per delivery together, ' +
    'end to end within this host’s noise. Where the server’s CPU goes at one endpoint (perf of the lab ' +
    'server over HTTP, stop 17, load 5-9): the outcome function ~31% of samples, half of it b-tree inserts (4 ' +
    'of the deliveries’ indexes and the attempt’s key); the claim ~22% (half its function: the index scan, ' +
    'row lock and HOT lease; each message read by key ~4%; the statement’s executor start ~0.1 ms a claim); ' +
    'commits ~6%; checkpointer, background and WAL writers ~5%. A claim of 128 costs ~1.6-1.9 ms of backend ' +
    'CPU, ~0.6-0.9 ms of the sender’s in node-postgres and ~0.4 ms in the storage’s decoding; a trivial ' +
    'statement ~60 µs of the sender’s. See docs/scaling.md and section 8.',
  'webhook-postgres-50':
    "the server's CPU per delivery, as at one endpoint (leases HOT, the outcome a full rewrite). At 50 " +
    'endpoints the delivery rows are inserted by the claims (fan-outs are stored compact by `publish`), ' +
    'which moves their insert from the publish into the delivering: compare publish + deliver in ' +
    'section 8; the claim also looks for due fan-outs and returns up to its size in distinct endpoints. ' +
    'Since schema version 14 its fan-out statements keep generic plans (they were planned at each call, ' +
    '~13 µs of server CPU per delivery). A claim sends the versions of the endpoint rows it holds and gets ' +
    'a row back only when it changed (making one cost the server ~15 µs, once per delivery at 50); since ' +
    'schema version 23 each endpoint and message comes once by id, not through window sorts, and the ' +
    'deliveries as plain rows (claim statement time lower in 3 of 4 paired storage-only runs). Since ' +
    'schema version 22 a claim inserts the fan-out deliveries it takes already leased, merged in due order ' +
    'with the stored ones: one row version each instead of an insert, a row lock and the lease, and no look ' +
    'down the claim index for which fan-outs to write (paired rounds, loaded machine: server CPU per ' +
    'delivery lower in 10 of 14 pairs, by ~5-10%). Deliveries spread over endpoints are claimed up to the ' +
    'buffer’s room (64 by default at this concurrency), not half an endpoint’s share (32): half as many ' +
    'claims, and fewer fan-out deliveries left for the next claim to lease as stored ones (MockTransport ' +
    'pipeline, loaded machine: client + server CPU per delivery lower in 6 of 6 pairs, ~15-30%). Over ' +
    'HTTP the refill claim came once half the buffer was left, so claims averaged ~38; since this stop ' +
    'the buffer may hold up to half of `prefetch` more after spread claims, and they take ~63 (16 instead ' +
    'of 26 claims per 1,000 deliveries; with answers after 1 ms in process, 8 pairs, load 8-14: client + ' +
    'server CPU per delivery lower in 8 of 8, ~10%). Leasing ' +
    'those leftovers costs ~10-13 µs of server time per delivery at claims of 32; writing fan-outs in slices ' +
    'instead was measured and not kept (its statement cost more than it saved). What is left per delivery at ' +
    '50 is the insert itself (an entry in 5 b-trees, inside the window, where one endpoint has a HOT lease), ' +
    'the outcome’s full rewrite, and the leftovers of fan-outs wider than what a claim has left (claims of ' +
    '100 against 63 in the storage-only loop: backend CPU per delivery ~7% lower, claims of 50 ~4% higher, ' +
    'both slot orders, load ~9: the size of the claim counts more than the leftovers). Hence the default ' +
    '`prefetch` of 8 × `concurrency` since this stop (128 here, claims of ~126, 7.9 per 1,000 deliveries ' +
    'instead of 15.9; over HTTP sender + server CPU per delivery 0.85-0.96 of 64’s in 5 of 6 paired runs, ' +
    'both slot orders, load 6-12; at one endpoint 0.89-0.93 in 4 of 4). Lease hand-backs (a ' +
    'transaction and a notification each) come only at the start at 50 endpoints: ~80 in the first ~1,700 ' +
    'deliveries, while endpoints not yet heard from hold one slot each, and none in a steady window ' +
    '(counted by reason, this stop), so grouping them would not move this row. The message of a fan-out is ' +
    'read once for its deliveries (~23 reads per 1,000 deliveries). Since this stop a claim names the ' +
    'endpoints whose version is still the one it sent in one row, instead of a row each (113 -> 64 rows a ' +
    'claim at 50; client CPU per claim 882 -> 782 and 828 -> 776 µs in alternating claims, end to end ' +
    'within this host’s noise). Since stop 17 its delivery rows carry neither status nor lease, and ' +
    'outcome groups return their ids in one row (see one endpoint): the driver’s client CPU per claim at 50 ' +
    '946 -> 811 µs. Writing a ' +
    'fan-out delivery’s row only with its outcome was prototyped in SQL this stop (a lease in a table with ' +
    'one index at the claim, the final row inserted by the outcome; lab server, claims of 64 and outcomes ' +
    'of 32, 16 alternating pairs each): with the deliveries a claim does not take left in the fan-out row, ' +
    'statement time per delivery 112 -> 87 µs (claim 68 -> 33, outcome 44 -> 53) and WAL 2,054 -> 1,485 ' +
    'bytes, but backend CPU only 89 -> 84 µs (lower in 11 of 16); with only the taken ones leased so, 118 ' +
    '-> 106 µs (13 of 16), and level when the outcome is not told which ids are leases. Not built: reads, ' +
    'lease expiry, prune and older instances would all have to know the lease table. Since schema version ' +
    '24 the message index holds only deliveries whose ids are not derived from their message’s (a read by ' +
    'message finds the others by a range of the primary key): two index entries fewer per delivery at 50 ' +
    '(its insert and its outcome), one per outcome at 1. WAL -9% at both; backend CPU per delivery level to ' +
    '4% lower (storage-only loop, both builds in one process, 16 alternating chunk pairs per run, each run ' +
    'in both slot orders, load 7-9: 6 of 7 slot-balanced runs lower, median ~1.5%), which this host cannot ' +
    'resolve: the same build against itself in that loop differed by 1-5% in four runs and 25% in a fifth. ' +
    'Recreating the delivery lists’ indexes ascending (as SQLite’s version 10) was level at 1 endpoint and ' +
    '-7% / level at 50 in the two slot orders (WAL -4%), and was not made a migration. The ' +
    'newest-first index was tried the same way (ids that begin with their creation time read from the ' +
    'primary key backwards) and not kept: its condition, an id’s time digits against `created_at`, costs ' +
    '~2.7 µs of server CPU per row written (translate() in SQL), about what the entry saves, and the pairs ' +
    'showed no gain. So an entry saved is worth ~1-2.5 µs on the real path, less than the ~3.8 µs measured ' +
    'on outcome calls alone. The sender reads an attempt’s endpoint from the claim’s row decoded ' +
    'once per endpoint version (~0.7 µs a read, ~3.1 before this stop). The outcome as a HOT update, measured ' +
    'last stop on a copy of the schema that kept no state (97 -> 69 µs at one endpoint, 118 -> 96 at 50), was ' +
    'built this stop as schema version 25 and not landed (branch pg-queue-schema25): a `delivery_queue` table ' +
    '(a row per pending delivery: claims and next-due read it by due time, the pending list and count by ' +
    'creation time, the outcome deletes it), `delivery_failures` for the failed lists and count, retention ' +
    'read by creation time, the lease left on the deliveries row, and row triggers keeping both tables right ' +
    'for every write the set-based functions do not make (version 24 instances included). Every outcome was ' +
    'HOT and WAL per delivery fell 37% (storage-only loop, 1 endpoint), but CPU did not follow: backend CPU ' +
    'per delivery 65.4 -> 64.8 and 60.6 -> 57.8 µs in the storage-only loop (9 of 16 pairs in each slot ' +
    'order), and in the whole notifier over HTTP (two builds in one process) 0.92 and 0.98 of main’s in the ' +
    'two slot orders at 1 endpoint (A/A 1.07), 0.96 and 1.06 at 50 (A/A 1.05), load 10-21. What the outcome ' +
    'saves (four index entries and a rewritten row’s WAL) the queue gives back: each claim joins its queue ' +
    'rows to their deliveries by primary key (a descent and a heap visit more per row walked), each pending ' +
    'delivery writes a queue row into 3 b-trees and the outcome deletes it, and at 50 endpoints the claim ' +
    'writes each fan-out delivery’s queue row a moment before its outcome deletes it. A lighter prototype ' +
    '(no pending list index, no failure upkeep in the outcome) was 2-5% cheaper than the built version and ' +
    '-10 to -20% against main in one pair of runs, within this host’s spread. The claim’s generic plan over ' +
    'the queue must be held to nested loops by primary key: left alone it once joined the queue to a kept ' +
    'scan of every delivery (~270 ms a claim of 64 at 30k deliveries). A queue that pays for itself needs the ' +
    'claim to read only the queue (lease and due time on the queue row, the delivery read after), or fan-out ' +
    'deliveries leased without a queue row of their own.',
  'publish-memory':
    'in memory a publish is CPU only, ~6-8 µs, and a matching endpoint now adds little: the endpoints an ' +
    'app event matches are kept per topic while the stored endpoints are unchanged (matched without a ' +
    'string per endpoint), and a fan-out is stored as the message with a list of endpoint ids, shared ' +
    'with the fan-out before it when the endpoints are the same; each delivery’s record is made when it ' +
    'is claimed. One endpoint stores a delivery record at once instead. Both swing with garbage ' +
    'collection of an outbox of hundreds of thousands of deliveries never sent.',
  'publish-sqlite':
    "SQLite's WAL holds whole 4 KB pages: the 50 deliveries of a message land in the per-endpoint " +
    'index (endpoint_id, created_at) on up to 50 different pages, each written to the WAL and ' +
    'flushed by the commit, against a handful of pages for one endpoint (measured apart: ~330 µs of a ' +
    "publish's 50-endpoint commit; 20 publishes sharing a group commit pay it once). Ids that sort by time " +
    "keep the other indexes' inserts on their last pages. The listing of every endpoint that each " +
    'publish matches against is kept decoded between publishes (it cost ~7 µs an endpoint).',
  'publish-postgres':
    "50 delivery rows in the message's one statement (insert_messages), each with its index entries: " +
    "the commit's flush is shared, the rows are not. Each publish also lists every endpoint (a round " +
    'trip, and ~7 µs of decoding an endpoint), which is not kept between publishes: another instance ' +
    'may change endpoints at any time.',
  'scale-out': 'no target is set: more instances share one PostgreSQL server on the same two cores.',
  'telemetry-http':
    'with every trace recorded, each HTTP run makes three spans (run, attempt, client), two contexts and ' +
    'two measurements (its count in `cronhook.runs` is kept by cronhook and read when the SDK collects), and ' +
    'nearly all of that CPU is the SDK’s own: ids, clock reads, attribute copying and checks, the sampler and ' +
    'the batch processor per span; sorting and serializing the attributes of each measurement to find its ' +
    'series. Section 7’s unit costs split it, without I/O: the same spans and measurements made straight ' +
    'through the API cost most of what cronhook’s hooks cost (the split is printed under the table); in the ' +
    'running process profiles put 2 to 3 times that in the SDK’s functions, plus garbage collection. The ' +
    'reference shows the same for the conventions’ own instrumentation: `@opentelemetry/instrumentation-undici` ' +
    'on section 4’s plain loop makes one client span and one measurement per request and leaves the loop ' +
    'well under 0.9× of itself (its figures are in the measured column and in section 7). 0.9× allows about ' +
    '3 µs per run, two spans’ worth of the SDK’s work without I/O, so no instrumentation that records a span ' +
    'per HTTP call reaches it while the process is CPU-bound. Sampling one trace in ten (its row) spares ' +
    'recording and exporting nine traces’ spans, not their ids, sampling decisions, contexts and trace ' +
    'context, nor any measurement.',
  'telemetry-webhook':
    'as for HTTP jobs: per message a `create` span, per attempt a `send` span (with its link to the ' +
    'message’s stored context), a client span and one measurement (the attempt’s count is kept by ' +
    'cronhook), against the delivery’s own work (outbox write, claim, signed HTTP exchange, completion); the ' +
    'SDK’s work is most of the difference.',
};
