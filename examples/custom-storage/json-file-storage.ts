// A storage adapter as an app might write one: everything in one JSON file, rewritten (atomically, through
// a rename) after every change. Fine for a single small process; it shows what the Storage contract asks for.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AdvanceJobInput,
  type ClaimDeliveriesOptions,
  type ClaimOptions,
  type CompleteAttemptInput,
  CronhookError,
  type DeliveryAttempt,
  type DeliveryRecord,
  type EndpointRecord,
  type JobRecord,
  type ListDeliveriesOptions,
  type ListJobsOptions,
  type ListRunsOptions,
  type Message,
  type PruneDeliveriesInput,
  type PruneRunsInput,
  type RunRecord,
  type Storage,
} from 'cronhook';

const VERSION = 1;

interface State {
  version: number;
  jobs: JobRecord[];
  runs: RunRecord[];
  endpoints: EndpointRecord[];
  messages: Message[];
  deliveries: DeliveryRecord[];
  attempts: DeliveryAttempt[];
}

// Dates survive the file as { $date: ms }. Copying through JSON also means callers only ever get copies.
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : v;
  });
}
function decode<T>(text: string): T {
  return JSON.parse(text, (_key, v) =>
    v !== null && typeof v === 'object' && typeof v.$date === 'number' ? new Date(v.$date) : v,
  ) as T;
}
const copy = <T>(value: T): T => decode<T>(encode(value));

const ms = (d: Date | null) => d?.getTime() ?? null;
/** When an item can next be claimed: when due, or when its lease ends if that is later. */
const wake = (due: Date | null, lockedUntil: Date | null) =>
  due === null ? null : Math.max(due.getTime(), lockedUntil?.getTime() ?? -Infinity);
const active = (r: RunRecord) => r.status === 'queued' || r.status === 'running';
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const newestRun = (a: RunRecord, b: RunRecord) =>
  b.scheduledAt.getTime() - a.scheduledAt.getTime() || byId(b, a);
const newestDelivery = (a: DeliveryRecord, b: DeliveryRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime() || byId(b, a);

export class JsonFileStorage implements Storage {
  readonly #path: string;
  #state: State = {
    version: VERSION,
    jobs: [],
    runs: [],
    endpoints: [],
    messages: [],
    deliveries: [],
    attempts: [],
  };

  constructor(path: string) {
    this.#path = path;
  }

  /** Every method is synchronous inside, so no other call can interleave: claims are atomic for free. */
  #save(): void {
    mkdirSync(dirname(this.#path), { recursive: true });
    writeFileSync(`${this.#path}.tmp`, encode(this.#state));
    renameSync(`${this.#path}.tmp`, this.#path);
  }

  async migrate(): Promise<void> {
    if (existsSync(this.#path)) {
      const state = decode<State>(readFileSync(this.#path, 'utf8'));
      if (state.version > VERSION) {
        throw new CronhookError(
          'ERR_SCHEMA_TOO_NEW',
          `${this.#path} is at version ${state.version}; this knows ${VERSION}`,
        );
      }
      this.#state = state;
    } else {
      this.#save();
    }
  }

  // Jobs

  async insertJob(job: JobRecord): Promise<void> {
    if (this.#state.jobs.some((j) => j.id === job.id)) {
      throw new CronhookError('ERR_DUPLICATE_JOB', `A job with id ${JSON.stringify(job.id)} already exists`);
    }
    this.#state.jobs.push(copy(job));
    this.#save();
  }

  #job(id: string): JobRecord {
    const job = this.#state.jobs.find((j) => j.id === id);
    if (!job) throw new CronhookError('ERR_JOB_NOT_FOUND', `No job with id ${JSON.stringify(id)}`);
    return job;
  }

  async updateJob(job: JobRecord): Promise<void> {
    const { lockedBy, lockedUntil } = this.#job(job.id);
    Object.assign(this.#job(job.id), copy(job), { lockedBy, lockedUntil });
    this.#save();
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const job = this.#state.jobs.find((j) => j.id === id);
    return job ? copy(job) : null;
  }

  async listJobs({ limit = 100, after, enabled }: ListJobsOptions = {}): Promise<JobRecord[]> {
    return copy(
      this.#state.jobs
        .filter(
          (j) => (after === undefined || j.id > after) && (enabled === undefined || j.enabled === enabled),
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit),
    );
  }

  async deleteJob(id: string): Promise<boolean> {
    const before = this.#state.jobs.length;
    this.#state.jobs = this.#state.jobs.filter((j) => j.id !== id);
    this.#state.runs = this.#state.runs.filter((r) => r.jobId !== id);
    this.#save();
    return this.#state.jobs.length < before;
  }

  async nextDueAt(): Promise<Date | null> {
    const times = this.#state.jobs.filter((j) => j.enabled).map((j) => wake(j.nextRunAt, j.lockedUntil));
    return earliest(times);
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    const due = this.#state.jobs
      .filter((j) => j.enabled && (wake(j.nextRunAt, j.lockedUntil) ?? Infinity) <= now.getTime())
      .sort((a, b) => wake(a.nextRunAt, a.lockedUntil)! - wake(b.nextRunAt, b.lockedUntil)!)
      .slice(0, limit);
    for (const job of due)
      Object.assign(job, { lockedBy: instanceId, lockedUntil: new Date(now.getTime() + leaseMs) });
    this.#save();
    return copy(due);
  }

  async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    const job = this.#state.jobs.find((j) => j.id === input.jobId);
    if (job?.lockedBy !== input.instanceId) {
      throw new CronhookError('ERR_LEASE_LOST', `${input.instanceId} no longer holds job ${input.jobId}`);
    }
    const inserted = input.runs.filter((run) => this.#addRun(run));
    Object.assign(job, { runCount: input.runCount, lockedBy: null, lockedUntil: null });
    // A job updated since its claim keeps the next run (and enabled) its update computed.
    const updated = input.claimedUpdatedAt !== undefined && +job.updatedAt !== +input.claimedUpdatedAt;
    if (!updated) {
      job.nextRunAt = copy(input.nextRunAt);
      if (input.enabled !== undefined) job.enabled = input.enabled;
    }
    this.#save();
    return copy(inserted);
  }

  // Runs

  /** The (jobId, occurrenceKey) check is what keeps an occurrence from running twice. */
  #addRun(run: RunRecord): boolean {
    if (this.#state.runs.some((r) => r.jobId === run.jobId && r.occurrenceKey === run.occurrenceKey))
      return false;
    this.#state.runs.push(copy(run));
    return true;
  }

  async insertRun(run: RunRecord): Promise<boolean> {
    const added = this.#addRun(run);
    if (added) this.#save();
    return added;
  }

  async updateRun(run: RunRecord): Promise<void> {
    const stored = this.#state.runs.find((r) => r.id === run.id);
    if (!stored) throw new CronhookError('ERR_RUN_NOT_FOUND', `No run with id ${JSON.stringify(run.id)}`);
    // Fenced: a run another instance took over (or one that finished) is not written by its old holder.
    const inFlight = stored.status === 'queued' || stored.status === 'running';
    if (!inFlight || stored.instanceId !== run.instanceId) {
      throw new CronhookError('ERR_LEASE_LOST', `Run ${run.id} is no longer held by ${run.instanceId}`);
    }
    Object.assign(stored, copy(run), { jobId: stored.jobId, occurrenceKey: stored.occurrenceKey });
    this.#save();
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const run = this.#state.runs.find((r) => r.id === id);
    return run ? copy(run) : null;
  }

  async listRuns({ jobId, statuses, before, limit = 50 }: ListRunsOptions = {}): Promise<RunRecord[]> {
    const cursor = before && ({ scheduledAt: before.scheduledAt, id: before.id } as RunRecord);
    return copy(
      this.#state.runs
        .filter((r) => jobId === undefined || r.jobId === jobId)
        .filter((r) => statuses === undefined || statuses.includes(r.status))
        .filter((r) => cursor === undefined || newestRun(cursor, r) < 0)
        .sort(newestRun)
        .slice(0, limit),
    );
  }

  async renewRunLeases({ instanceId, runIds, until }: { instanceId: string; runIds: string[]; until: Date }) {
    for (const run of this.#state.runs) {
      if (runIds.includes(run.id) && run.instanceId === instanceId && active(run))
        run.lockedUntil = new Date(until);
    }
    this.#save();
  }

  async claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const expired = this.#state.runs
      .filter((r) => active(r) && (ms(r.lockedUntil) ?? -Infinity) < now.getTime())
      .slice(0, limit);
    for (const run of expired)
      Object.assign(run, { instanceId, lockedUntil: new Date(now.getTime() + leaseMs) });
    this.#save();
    return copy(expired);
  }

  async pruneRuns({ jobId, keep, statuses }: PruneRunsInput): Promise<number> {
    // Only finished runs count; with `statuses`, only those with one of them.
    const counted = (r: RunRecord) => !active(r) && (statuses === undefined || statuses.includes(r.status));
    const old = new Set(
      this.#state.runs
        .filter((r) => r.jobId === jobId && counted(r))
        .sort(newestRun)
        .slice(keep),
    );
    this.#state.runs = this.#state.runs.filter((r) => !old.has(r));
    this.#save();
    return old.size;
  }

  // Endpoints

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    if (this.#state.endpoints.some((e) => e.id === endpoint.id)) {
      throw new CronhookError('ERR_DUPLICATE_ENDPOINT', `Endpoint ${endpoint.id} already exists`);
    }
    this.#state.endpoints.push(copy(endpoint));
    this.#save();
  }

  async updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    const stored = this.#state.endpoints.find((e) => e.id === endpoint.id);
    if (!stored) throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', `No endpoint with id ${endpoint.id}`);
    Object.assign(stored, copy(endpoint));
    this.#save();
  }

  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    const endpoint = this.#state.endpoints.find((e) => e.id === id);
    return endpoint ? copy(endpoint) : null;
  }

  async listEndpoints({ limit = 100, after }: { limit?: number; after?: string } = {}) {
    const sorted = [...this.#state.endpoints].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
    );
    const start = after === undefined ? 0 : sorted.findIndex((e) => e.id === after) + 1;
    return copy(sorted.slice(start, start + limit));
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const before = this.#state.endpoints.length;
    this.#state.endpoints = this.#state.endpoints.filter((e) => e.id !== id);
    const dropped = new Set(
      this.#state.deliveries.filter((d) => d.endpointId === id && d.status === 'pending').map((d) => d.id),
    );
    this.#state.deliveries = this.#state.deliveries.filter((d) => !dropped.has(d.id));
    this.#state.attempts = this.#state.attempts.filter((a) => !dropped.has(a.deliveryId));
    this.#save();
    return this.#state.endpoints.length < before;
  }

  // Outbox

  async insertMessage({ message, deliveries }: { message: Message; deliveries: DeliveryRecord[] }) {
    // All or nothing: check everything before changing anything.
    const ids = deliveries.map((d) => d.id);
    const taken = (id: string) => this.#state.deliveries.some((d) => d.id === id);
    if (
      this.#state.messages.some((m) => m.id === message.id) ||
      new Set(ids).size < ids.length ||
      ids.some(taken)
    ) {
      throw new CronhookError('ERR_STORAGE', `Message ${message.id} or one of its deliveries already exists`);
    }
    this.#state.messages.push(copy(message));
    this.#state.deliveries.push(...copy(deliveries));
    this.#save();
  }

  async getMessage(id: string): Promise<Message | null> {
    const message = this.#state.messages.find((m) => m.id === id);
    return message ? copy(message) : null;
  }

  /** Pending deliveries to enabled endpoints, each with the time it can next be claimed. */
  #waiting(): { delivery: DeliveryRecord; at: number }[] {
    const enabled = new Set(this.#state.endpoints.filter((e) => e.enabled).map((e) => e.id));
    return this.#state.deliveries
      .filter((d) => d.status === 'pending' && enabled.has(d.endpointId))
      .map((delivery) => ({ delivery, at: wake(delivery.nextAttemptAt, delivery.lockedUntil) ?? Infinity }));
  }

  async claimDeliveries({
    now,
    limit,
    instanceId,
    leaseMs,
    excludeEndpointIds = [],
  }: ClaimDeliveriesOptions) {
    const due = this.#waiting()
      .filter(({ delivery, at }) => at <= now.getTime() && !excludeEndpointIds.includes(delivery.endpointId))
      .sort((a, b) => a.at - b.at)
      .slice(0, limit)
      .map(({ delivery }) => delivery);
    for (const d of due)
      Object.assign(d, { lockedBy: instanceId, lockedUntil: new Date(now.getTime() + leaseMs) });
    this.#save();
    return copy(due);
  }

  async completeAttempt({ delivery, attempt, endpoint }: CompleteAttemptInput): Promise<void> {
    const stored = this.#state.deliveries.find((d) => d.id === delivery.id);
    if (!stored) throw new CronhookError('ERR_DELIVERY_NOT_FOUND', `No delivery with id ${delivery.id}`);
    Object.assign(stored, copy(delivery), { lockedBy: null, lockedUntil: null });
    this.#state.attempts.push(copy(attempt));
    const target = endpoint && this.#state.endpoints.find((e) => e.id === endpoint.id);
    if (target) {
      // Only the fields an outcome names, those given: the object may be a whole endpoint record read before a
      // later change (its other fields would undo that change).
      const { failingSince, enabled, disabledReason, disabledAt, updatedAt } = copy(endpoint);
      const changes = { failingSince, enabled, disabledReason, disabledAt, updatedAt };
      for (const [field, value] of Object.entries(changes))
        if (value !== undefined) Object.assign(target, { [field]: value });
    }
    this.#save();
  }

  async updateDelivery(delivery: DeliveryRecord): Promise<void> {
    const stored = this.#state.deliveries.find((d) => d.id === delivery.id);
    if (!stored) throw new CronhookError('ERR_DELIVERY_NOT_FOUND', `No delivery with id ${delivery.id}`);
    Object.assign(stored, copy(delivery));
    this.#save();
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const delivery = this.#state.deliveries.find((d) => d.id === id);
    return delivery ? copy(delivery) : null;
  }

  async listDeliveries(options: ListDeliveriesOptions = {}): Promise<DeliveryRecord[]> {
    const { endpointId, messageId, status, topic, jobId, since, until, before, limit = 50 } = options;
    const cursor = before && ({ createdAt: before.createdAt, id: before.id } as DeliveryRecord);
    // The job filter goes through the messages: a delivery knows its message, the message its job.
    const ofJob =
      jobId === undefined
        ? undefined
        : new Set(this.#state.messages.filter((m) => m.jobId === jobId).map((m) => m.id));
    return copy(
      this.#state.deliveries
        .filter((d) => endpointId === undefined || d.endpointId === endpointId)
        .filter((d) => messageId === undefined || d.messageId === messageId)
        .filter((d) => status === undefined || d.status === status)
        .filter((d) => topic === undefined || d.topic === topic)
        .filter((d) => ofJob === undefined || ofJob.has(d.messageId))
        .filter((d) => since === undefined || d.createdAt.getTime() >= since.getTime())
        .filter((d) => until === undefined || d.createdAt.getTime() < until.getTime())
        .filter((d) => cursor === undefined || newestDelivery(cursor, d) < 0)
        .sort(newestDelivery)
        .slice(0, limit),
    );
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return copy(this.#state.attempts.filter((a) => a.deliveryId === deliveryId));
  }

  async nextDeliveryAt(): Promise<Date | null> {
    return earliest(this.#waiting().map(({ at }) => at));
  }

  /** Optional: without it the notifier's `deliveryRetentionMs` cannot trim the log and the file only grows. */
  async pruneDeliveries({ before, limit = Infinity }: PruneDeliveriesInput): Promise<number> {
    const old = this.#state.deliveries
      .filter((d) => d.status !== 'pending' && d.updatedAt.getTime() < before.getTime())
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || byId(a, b))
      .slice(0, limit);
    if (old.length === 0) return 0;
    const dropped = new Set(old.map((d) => d.id));
    this.#state.deliveries = this.#state.deliveries.filter((d) => !dropped.has(d.id));
    this.#state.attempts = this.#state.attempts.filter((a) => !dropped.has(a.deliveryId));
    // A message of a pruned delivery goes once no other delivery refers to it.
    const orphaned = new Set(old.map((d) => d.messageId));
    for (const d of this.#state.deliveries) orphaned.delete(d.messageId);
    this.#state.messages = this.#state.messages.filter((m) => !orphaned.has(m.id));
    this.#save();
    return old.length;
  }
}

function earliest(times: (number | null)[]): Date | null {
  const valid = times.filter((t): t is number => t !== null && Number.isFinite(t));
  return valid.length === 0 ? null : new Date(Math.min(...valid));
}
