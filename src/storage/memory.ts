import { CronhookError } from '../errors.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import { MinHeap } from '../scheduler/heap.js';
import { cloneAttempt, cloneDelivery, cloneEndpoint, cloneJob, cloneMessage, cloneRun } from './clone.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimOptions,
  CompleteAttemptInput,
  JobRecord,
  ListDeliveriesOptions,
  ListJobsOptions,
  ListRunsOptions,
  RunRecord,
  Storage,
} from './types.js';

const byNewest = (a: RunRecord, b: RunRecord) =>
  b.scheduledAt.getTime() - a.scheduledAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** When a leased or due item next needs looking at: its due time, or its lease expiry if later. */
function wakeTime(due: Date | null, lockedUntil: Date | null): number | null {
  if (due === null) return null;
  const d = due.getTime();
  return lockedUntil !== null && lockedUntil.getTime() > d ? lockedUntil.getTime() : d;
}

/**
 * Keeps everything in process memory: fast, complete, and gone when the process exits. For tests and for
 * apps whose jobs are re-added at start. Due jobs and deliveries are found through min-heaps, so claiming is
 * O(log n) however many jobs there are.
 *
 * @example
 * const scheduler = new Scheduler({ storage: new MemoryStorage() });
 */
export class MemoryStorage implements Storage {
  readonly shared = false;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #jobHeap = new MinHeap();
  readonly #runs = new Map<string, RunRecord>();
  readonly #runsByJob = new Map<string, Map<string, RunRecord>>();
  readonly #activeRuns = new Map<string, RunRecord>();
  readonly #endpoints = new Map<string, EndpointRecord>();
  readonly #messages = new Map<string, Message>();
  readonly #deliveries = new Map<string, DeliveryRecord>();
  readonly #deliveryHeap = new MinHeap();
  readonly #attempts = new Map<string, DeliveryAttempt[]>();

  async migrate(): Promise<void> {}

  // Jobs

  #indexJob(job: JobRecord): void {
    const t = job.enabled ? wakeTime(job.nextRunAt, job.lockedUntil) : null;
    if (t !== null) this.#jobHeap.push(t, job.id);
  }

  async insertJob(job: JobRecord): Promise<void> {
    if (this.#jobs.has(job.id)) {
      throw new CronhookError('ERR_DUPLICATE_JOB', `A job with id ${JSON.stringify(job.id)} already exists`, {
        field: 'id',
      });
    }
    const stored = cloneJob(job);
    this.#jobs.set(job.id, stored);
    this.#indexJob(stored);
  }

  async updateJob(job: JobRecord): Promise<void> {
    const existing = this.#jobs.get(job.id);
    if (!existing) throw notFound('job', job.id);
    const stored = { ...cloneJob(job), lockedBy: existing.lockedBy, lockedUntil: existing.lockedUntil };
    this.#jobs.set(job.id, stored);
    this.#indexJob(stored);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    return job ? cloneJob(job) : null;
  }

  async listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
    const limit = options.limit ?? 100;
    const ids = [...this.#jobs.keys()]
      .filter((id) => options.after === undefined || id > options.after)
      .sort();
    const out: JobRecord[] = [];
    for (const id of ids) {
      const job = this.#jobs.get(id)!;
      if (options.enabled !== undefined && job.enabled !== options.enabled) continue;
      out.push(cloneJob(job));
      if (out.length >= limit) break;
    }
    return out;
  }

  async deleteJob(id: string): Promise<boolean> {
    if (!this.#jobs.delete(id)) return false;
    for (const run of this.#runsByJob.get(id)?.values() ?? []) {
      this.#runs.delete(run.id);
      this.#activeRuns.delete(run.id);
    }
    this.#runsByJob.delete(id);
    return true;
  }

  /** Discards heap pairs that no longer match their job; returns the earliest valid time. */
  #peekJobs(): number | null {
    for (;;) {
      const t = this.#jobHeap.peekTime();
      if (t === undefined) return null;
      const job = this.#jobs.get(this.#jobHeap.peekId()!);
      if (job?.enabled && wakeTime(job.nextRunAt, job.lockedUntil) === t) return t;
      this.#jobHeap.pop();
    }
  }

  async nextDueAt(): Promise<Date | null> {
    const t = this.#peekJobs();
    return t === null ? null : new Date(t);
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    const claimed: JobRecord[] = [];
    const nowMs = now.getTime();
    while (claimed.length < limit) {
      const t = this.#peekJobs();
      if (t === null || t > nowMs) break;
      const job = this.#jobs.get(this.#jobHeap.peekId()!)!;
      this.#jobHeap.pop();
      job.lockedBy = instanceId;
      job.lockedUntil = new Date(nowMs + leaseMs);
      this.#indexJob(job);
      claimed.push(cloneJob(job));
    }
    return claimed;
  }

  async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    const job = this.#jobs.get(input.jobId);
    if (!job || job.lockedBy !== input.instanceId) {
      throw new CronhookError(
        'ERR_LEASE_LOST',
        `Instance ${input.instanceId} no longer holds job ${input.jobId}`,
      );
    }
    const inserted: RunRecord[] = [];
    for (const run of input.runs) if (this.#addRun(run)) inserted.push(cloneRun(run));
    job.nextRunAt = input.nextRunAt === null ? null : new Date(input.nextRunAt.getTime());
    job.runCount = input.runCount;
    if (input.enabled !== undefined) job.enabled = input.enabled;
    job.lockedBy = null;
    job.lockedUntil = null;
    this.#indexJob(job);
    return inserted;
  }

  // Runs

  #addRun(run: RunRecord): boolean {
    let runs = this.#runsByJob.get(run.jobId);
    if (!runs) {
      runs = new Map();
      this.#runsByJob.set(run.jobId, runs);
    }
    if (runs.has(run.occurrenceKey)) return false;
    const stored = cloneRun(run);
    runs.set(run.occurrenceKey, stored);
    this.#runs.set(run.id, stored);
    if (stored.status === 'queued' || stored.status === 'running') this.#activeRuns.set(run.id, stored);
    return true;
  }

  async insertRun(run: RunRecord): Promise<boolean> {
    return this.#addRun(run);
  }

  async updateRun(run: RunRecord): Promise<void> {
    const existing = this.#runs.get(run.id);
    if (!existing) throw notFound('run', run.id);
    Object.assign(existing, cloneRun({ ...run, occurrenceKey: existing.occurrenceKey }));
    if (existing.status === 'queued' || existing.status === 'running') this.#activeRuns.set(run.id, existing);
    else this.#activeRuns.delete(run.id);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const run = this.#runs.get(id);
    return run ? cloneRun(run) : null;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const source =
      options.jobId === undefined
        ? this.#runs.values()
        : (this.#runsByJob.get(options.jobId)?.values() ?? []);
    const before = options.before;
    const runs = [...source].filter(
      (r) =>
        (options.statuses === undefined || options.statuses.includes(r.status)) &&
        (before === undefined ||
          byNewest(r, { scheduledAt: before.scheduledAt, id: before.id } as RunRecord) > 0),
    );
    return runs
      .sort(byNewest)
      .slice(0, options.limit ?? 50)
      .map(cloneRun);
  }

  async renewRunLeases({ instanceId, runIds, until }: { instanceId: string; runIds: string[]; until: Date }) {
    for (const id of runIds) {
      const run = this.#activeRuns.get(id);
      if (run && run.instanceId === instanceId) run.lockedUntil = new Date(until.getTime());
    }
  }

  async claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const run of this.#activeRuns.values()) {
      if (out.length >= limit) break;
      if (run.lockedUntil !== null && run.lockedUntil.getTime() >= now.getTime()) continue;
      run.instanceId = instanceId;
      run.lockedUntil = new Date(now.getTime() + leaseMs);
      out.push(cloneRun(run));
    }
    return out;
  }

  async pruneRuns({ jobId, keep }: { jobId: string; keep: number }): Promise<number> {
    const runs = this.#runsByJob.get(jobId);
    if (!runs) return 0;
    const finished = [...runs.values()].filter((r) => !this.#activeRuns.has(r.id)).sort(byNewest);
    let removed = 0;
    for (const run of finished.slice(keep)) {
      runs.delete(run.occurrenceKey);
      this.#runs.delete(run.id);
      removed++;
    }
    return removed;
  }

  // Endpoints

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    if (this.#endpoints.has(endpoint.id)) {
      throw new CronhookError('ERR_INVALID_ENDPOINT', `Endpoint ${endpoint.id} already exists`, {
        field: 'id',
      });
    }
    this.#endpoints.set(endpoint.id, cloneEndpoint(endpoint));
  }

  async updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    const existing = this.#endpoints.get(endpoint.id);
    if (!existing) throw notFound('endpoint', endpoint.id);
    this.#endpoints.set(endpoint.id, cloneEndpoint(endpoint));
    if (endpoint.enabled && !existing.enabled) this.#reindexDeliveries(endpoint.id);
  }

  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    const endpoint = this.#endpoints.get(id);
    return endpoint ? cloneEndpoint(endpoint) : null;
  }

  async listEndpoints(options: { limit?: number; after?: string } = {}): Promise<EndpointRecord[]> {
    const all = [...this.#endpoints.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const start = options.after === undefined ? 0 : all.findIndex((e) => e.id === options.after) + 1;
    return all.slice(start, start + (options.limit ?? 100)).map(cloneEndpoint);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    if (!this.#endpoints.delete(id)) return false;
    for (const delivery of this.#deliveries.values()) {
      if (delivery.endpointId === id && delivery.status === 'pending') {
        this.#deliveries.delete(delivery.id);
        this.#attempts.delete(delivery.id);
      }
    }
    return true;
  }

  // Outbox

  #indexDelivery(delivery: DeliveryRecord): void {
    const t = delivery.status === 'pending' ? wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) : null;
    if (t !== null) this.#deliveryHeap.push(t, delivery.id);
  }

  /** Deliveries to a disabled endpoint leave the heap when they surface; re-enabling puts them back. */
  #reindexDeliveries(endpointId: string): void {
    for (const delivery of this.#deliveries.values()) {
      if (delivery.endpointId === endpointId) this.#indexDelivery(delivery);
    }
  }

  async insertMessage({ message, deliveries }: { message: Message; deliveries: DeliveryRecord[] }) {
    this.#messages.set(message.id, cloneMessage(message));
    for (const delivery of deliveries) {
      const stored = cloneDelivery(delivery);
      this.#deliveries.set(delivery.id, stored);
      this.#indexDelivery(stored);
    }
  }

  async getMessage(id: string): Promise<Message | null> {
    const message = this.#messages.get(id);
    return message ? cloneMessage(message) : null;
  }

  #peekDeliveries(): DeliveryRecord | null {
    for (;;) {
      const t = this.#deliveryHeap.peekTime();
      if (t === undefined) return null;
      const delivery = this.#deliveries.get(this.#deliveryHeap.peekId()!);
      const enabled = delivery && this.#endpoints.get(delivery.endpointId)?.enabled === true;
      if (delivery && enabled && delivery.status === 'pending') {
        if (wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) === t) return delivery;
      }
      this.#deliveryHeap.pop();
    }
  }

  async claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    const { now, limit, instanceId, leaseMs } = options;
    const exclude = new Set(options.excludeEndpointIds ?? []);
    const claimed: DeliveryRecord[] = [];
    const setAside: DeliveryRecord[] = [];
    while (claimed.length < limit) {
      const delivery = this.#peekDeliveries();
      if (delivery === null || wakeTime(delivery.nextAttemptAt, delivery.lockedUntil)! > now.getTime()) break;
      this.#deliveryHeap.pop();
      if (exclude.has(delivery.endpointId)) {
        setAside.push(delivery);
        continue;
      }
      delivery.lockedBy = instanceId;
      delivery.lockedUntil = new Date(now.getTime() + leaseMs);
      this.#indexDelivery(delivery);
      claimed.push(cloneDelivery(delivery));
    }
    for (const delivery of setAside) this.#indexDelivery(delivery);
    return claimed;
  }

  async completeAttempt({ delivery, attempt, endpoint }: CompleteAttemptInput): Promise<void> {
    await this.updateDelivery({ ...delivery, lockedBy: null, lockedUntil: null });
    const attempts = this.#attempts.get(delivery.id) ?? [];
    attempts.push(cloneAttempt(attempt));
    this.#attempts.set(delivery.id, attempts);
    if (endpoint) {
      const existing = this.#endpoints.get(endpoint.id);
      if (existing) await this.updateEndpoint({ ...existing, ...endpoint });
    }
  }

  async updateDelivery(delivery: DeliveryRecord): Promise<void> {
    if (!this.#deliveries.has(delivery.id)) throw notFound('delivery', delivery.id);
    const stored = cloneDelivery(delivery);
    this.#deliveries.set(delivery.id, stored);
    this.#indexDelivery(stored);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const delivery = this.#deliveries.get(id);
    return delivery ? cloneDelivery(delivery) : null;
  }

  async listDeliveries(options: ListDeliveriesOptions = {}): Promise<DeliveryRecord[]> {
    const before = options.before;
    return [...this.#deliveries.values()]
      .filter(
        (d) =>
          (options.endpointId === undefined || d.endpointId === options.endpointId) &&
          (options.messageId === undefined || d.messageId === options.messageId) &&
          (options.status === undefined || d.status === options.status) &&
          (options.topic === undefined || d.topic === options.topic) &&
          (options.since === undefined || d.createdAt.getTime() >= options.since.getTime()) &&
          (before === undefined ||
            d.createdAt.getTime() < before.createdAt.getTime() ||
            (d.createdAt.getTime() === before.createdAt.getTime() && d.id < before.id)),
      )
      .sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .slice(0, options.limit ?? 50)
      .map(cloneDelivery);
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return (this.#attempts.get(deliveryId) ?? []).map(cloneAttempt);
  }

  async nextDeliveryAt(): Promise<Date | null> {
    const delivery = this.#peekDeliveries();
    return delivery === null ? null : new Date(wakeTime(delivery.nextAttemptAt, delivery.lockedUntil)!);
  }
}

function notFound(kind: 'job' | 'run' | 'endpoint' | 'delivery', id: string): CronhookError {
  const code = {
    job: 'ERR_JOB_NOT_FOUND',
    run: 'ERR_RUN_NOT_FOUND',
    endpoint: 'ERR_ENDPOINT_NOT_FOUND',
    delivery: 'ERR_DELIVERY_NOT_FOUND',
  } as const;
  return new CronhookError(code[kind], `No ${kind} with id ${JSON.stringify(id)}`);
}
