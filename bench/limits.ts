/**
 * What limits each target cronhook misses, from profiling (`--cpu-prof` of the workers, heap snapshots);
 * shown in docs/benchmarks.md next to each unmet target, so only the entries of unmet targets appear. Keyed
 * by target id (see report.ts). Update it when the profile changes.
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
    'about 25–30 µs of CPU per run (profile of 1k handler jobs due every second). Due jobs are claimed up ' +
    'to 500 ms ahead (capped at `leaseMs`/10) and their runs start together from one timer at the due ' +
    'instant, so what remains at the instant is starting the runs: storing each as running, the handler ' +
    'call and its completion. Under load from other processes the start window stretches.',
  'accuracy-10000':
    'the same ~25 µs of CPU per run: 10k runs take ~250 ms of CPU to start, and the first seconds after ' +
    '`start()` run unoptimised code. None is missed (node-cron and croner drop runs at this size).',
  http:
    'CPU-bound in one process: ~55 µs of CPU per run against ~45 µs per plain undici request (the ' +
    'transport itself now costs less than undici’s `request()`). Of the scheduler’s ~11 µs per run, ' +
    'MemoryStorage’s string-keyed maps (run id, occurrence key, ~1,600 runs kept under the default ' +
    'retention) are ~3 µs through cache misses; the rest is spread thin (run record, events, microtask ' +
    'hops, an abort listener and a deadline timer per request). The ratio moves ±5% between runs.',
  'webhook-memory-1':
    'the notifier now costs about as much CPU per delivery as the plain loop (~130–170 µs, most of it ' +
    'undici and signing); what is left: the claim and completion writes, the delivery log record, events.',
  'webhook-memory-50':
    'as for one endpoint; with 50 deliveries per message the receiver process competes for the same two ' +
    'cores, so both the loop and cronhook swing widely between runs.',
  'webhook-latency-1': 'see the per-delivery costs above.',
  'webhook-latency-50':
    'CPU: a message’s 16 first requests leave within ~1 ms, then the answers come back in waves while the ' +
    'receiver process waits for a core; at ~150 µs of CPU per delivery (as the plain loop), the 25th ' +
    'delivery needs ~3.75 ms of CPU on one core, so < 5 ms holds only on a quiet machine. The loop’s own ' +
    'p50 in the same run is the reference.',
  'webhook-sqlite-1':
    'node:sqlite is synchronous: every commit (`synchronous: full`) blocks the event loop. Writes are ' +
    'group-committed (one transaction per event-loop turn), so the fsync is shared by the claims, ' +
    'completions and messages of a turn; the commit itself is still the largest item of the profile.',
  'webhook-sqlite-50': 'as for one endpoint.',
  'webhook-postgres-1':
    'the PostgreSQL server’s CPU and its commit latency on the same two cores: each delivery’s row is ' +
    'updated twice (claim, completion), with an attempt insert and a WAL flush. Claims and completions are ' +
    'one statement per group and read rows by key (the statements used to hash-join whole tables, which ' +
    'cost ~2.5 ms per claim at 5,000 messages); the claims are PL/pgSQL functions that keep their plans; ' +
    'a slot is freed when its response arrives, not when the result is committed. What remains: each ' +
    'claim waits for its commit before the deliveries it took are sent.',
  'webhook-postgres-50': 'as for one endpoint: the server’s CPU per delivery.',
  'scale-out': 'no target is set: more instances share one PostgreSQL server on the same two cores.',
  'telemetry-http':
    'not measured on a quiet machine yet (the suite landed while the load average was 10-16 on two cores, ' +
    'where no figure holds). What it costs, from profiles of `triggerJob` loops: with the SDK each HTTP run ' +
    'makes three spans (run, attempt, client) and three measurements (runs, run duration, request ' +
    'duration); the SDK’s own span creation and the attribute sanitizing and hashing of each measurement ' +
    'are most of it, cronhook’s hooks a fifth. Without an SDK each run costs one check; with metrics only, ' +
    'no span or context is made.',
  'telemetry-webhook':
    'as for HTTP jobs: per message a `create` span and per attempt a `send` span, a client span and two ' +
    'measurements, against the delivery’s own work (outbox write, claim, HTTP exchange, completion).',
};
