import type { DeliveryStatus, JobRecord, RunRecord, RunStatus, Storage } from '../../index.js';
import { upcomingOccurrences } from '../../schedule/occurrences.js';
import { decodeIdCursor, decodeTimeCursor, encodeCursor } from './cursor.js';
import {
  type DeliveryDetailView,
  type DeliveryView,
  deliveryView,
  type EndpointView,
  endpointView,
  type JobView,
  jobView,
  type RunView,
  runView,
} from './views.js';

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; null on the last. */
  next: string | null;
}

export type JobStatusFilter = 'all' | 'active' | 'paused' | 'failing';

/** How many of the newest failed runs the "failing" filter looks through on a storage without `listFailingJobs`. */
export const FAILING_SCAN = 1_000;

export interface JobQuery {
  status: JobStatusFilter;
  /** Jobs whose id starts with this. */
  search: string;
  cursor: string | null;
  limit: number;
}

export interface DeliveryFilter {
  endpointId?: string;
  jobId?: string;
  status?: DeliveryStatus;
  topic?: string;
  /** Created at or after this time. */
  since?: Date;
  /** Created before this time. */
  until?: Date;
  cursor: string | null;
  limit: number;
}

/**
 * The greatest id below `prefix` that `id > …` can name: its last character one lower, then U+FFFF. Only an id
 * with a character above U+FFFF there falls between the two (no scheduler accepts one).
 */
function justBefore(prefix: string): string {
  return `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) - 1)}\uffff`;
}

/** Everything the pages read, from storage, as views that hold no secret. */
export class DataSource {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Whether the "failing" filter lists every failing job (the storage has `listFailingJobs`). */
  get exactFailing(): boolean {
    return typeof this.#storage.listFailingJobs === 'function';
  }

  async jobs(query: JobQuery): Promise<Page<JobView>> {
    const list = this.#jobLister(query.status);
    if (list === null) return this.#failingJobsAmongRecent(query);
    const prefix = query.search;
    // After the cursor; searching, from the prefix on, the job named by the prefix itself first.
    const after = decodeIdCursor(query.cursor) ?? (prefix ? justBefore(prefix) : undefined);
    const rows = await list(after, query.limit + 1);
    let ended = rows.length <= query.limit;
    const items: JobView[] = [];
    for (const row of rows) {
      if (prefix && !row.id.startsWith(prefix)) {
        // Below the prefix: an id no scheduler accepts, in the gap justBefore leaves.
        if (row.id < prefix) continue;
        ended = true;
        break;
      }
      items.push(jobView(row));
    }
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page, next: !ended && last ? encodeCursor([last.id]) : null };
  }

  /** How to read a page of jobs with a status: null for "failing" on a storage without `listFailingJobs`. */
  #jobLister(
    status: JobStatusFilter,
  ): ((after: string | undefined, limit: number) => Promise<JobRecord[]>) | null {
    const storage = this.#storage;
    const paging = (after: string | undefined, limit: number) => ({
      limit,
      ...(after === undefined ? {} : { after }),
    });
    if (status === 'failing') {
      return storage.listFailingJobs
        ? (after, limit) => storage.listFailingJobs!(paging(after, limit))
        : null;
    }
    const enabled = status === 'all' ? {} : { enabled: status === 'active' };
    return (after, limit) => storage.listJobs({ ...enabled, ...paging(after, limit) });
  }

  /**
   * For a storage without `listFailingJobs`: enabled jobs whose newest run failed, found through the newest
   * failed runs (at most {@link FAILING_SCAN}), in id order, one page; the search prefix applies.
   */
  async #failingJobsAmongRecent(query: JobQuery): Promise<Page<JobView>> {
    const failed = await this.#storage.listRuns({ statuses: ['failed'], limit: FAILING_SCAN });
    const candidates = [...new Set(failed.map((r) => r.jobId))].filter((id) => id.startsWith(query.search));
    const latest = await this.lastRuns(candidates);
    const failing = candidates.filter((id) => latest.get(id)?.status === 'failed').sort();
    const jobs = await Promise.all(failing.slice(0, query.limit * 2).map((id) => this.#storage.getJob(id)));
    const items = jobs
      .filter((j): j is NonNullable<typeof j> => j?.enabled === true)
      .slice(0, query.limit)
      .map(jobView);
    return { items, next: null };
  }

  async job(id: string): Promise<JobView | null> {
    const record = await this.#storage.getJob(id);
    return record ? jobView(record) : null;
  }

  /** The next `count` fire times (for a paused job: those it would have if resumed now). */
  async upcoming(id: string, count: number, now: Date): Promise<Date[]> {
    const record = await this.#storage.getJob(id);
    if (!record) return [];
    try {
      return upcomingOccurrences(record, count, now.getTime());
    } catch {
      return [];
    }
  }

  /** The newest run of each job, by job id. */
  async lastRuns(jobIds: string[]): Promise<Map<string, RunView>> {
    const runs = this.#storage.latestRuns
      ? await this.#storage.latestRuns(jobIds)
      : (await Promise.all(jobIds.map((jobId) => this.#storage.listRuns({ jobId, limit: 1 })))).flat();
    return new Map(runs.map((run) => [run.jobId, runView(run)]));
  }

  async runs(
    jobId: string,
    status: RunStatus | undefined,
    cursor: string | null,
    limit: number,
  ): Promise<Page<RunView>> {
    const before = decodeTimeCursor(cursor);
    const rows: RunRecord[] = await this.#storage.listRuns({
      jobId,
      limit: limit + 1,
      ...(status ? { statuses: [status] } : {}),
      ...(before ? { before: { scheduledAt: before.at, id: before.id } } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(runView),
      next: rows.length > limit && last ? encodeCursor([last.scheduledAt.getTime(), last.id]) : null,
    };
  }

  async run(id: string): Promise<RunView | null> {
    const run = await this.#storage.getRun(id);
    return run ? runView(run) : null;
  }

  async endpoints(cursor: string | null, limit: number, now: Date): Promise<Page<EndpointView>> {
    const after = decodeIdCursor(cursor);
    const rows = await this.#storage.listEndpoints({ limit: limit + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((e) => endpointView(e, now)),
      next: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async endpoint(id: string, now: Date): Promise<EndpointView | null> {
    const record = await this.#storage.getEndpoint(id);
    return record ? endpointView(record, now) : null;
  }

  async deliveries(filter: DeliveryFilter): Promise<Page<DeliveryView>> {
    const before = decodeTimeCursor(filter.cursor);
    const rows = await this.#storage.listDeliveries({
      ...(filter.endpointId ? { endpointId: filter.endpointId } : {}),
      ...(filter.jobId ? { jobId: filter.jobId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.topic ? { topic: filter.topic } : {}),
      ...(filter.since ? { since: filter.since } : {}),
      ...(filter.until ? { until: filter.until } : {}),
      ...(before ? { before: { createdAt: before.at, id: before.id } } : {}),
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map(deliveryView),
      next: rows.length > filter.limit && last ? encodeCursor([last.createdAt.getTime(), last.id]) : null,
    };
  }

  async delivery(id: string): Promise<DeliveryDetailView | null> {
    const delivery = await this.#storage.getDelivery(id);
    if (!delivery) return null;
    const [message, attempts] = await Promise.all([
      this.#storage.getMessage(delivery.messageId),
      this.#storage.listAttempts(id),
    ]);
    if (!message) return null;
    return { ...deliveryView(delivery), message, attemptLog: attempts };
  }

  /** Failed deliveries (not pings) an endpoint would replay since `since`, counted up to `cap`. */
  async countReplayable(endpointId: string, since: Date, until: Date, cap: number): Promise<number> {
    let count = 0;
    let before: { createdAt: Date; id: string } | undefined = { createdAt: until, id: '' };
    while (before && count < cap) {
      const rows = await this.#storage.listDeliveries({
        endpointId,
        status: 'failed',
        since,
        before,
        limit: 500,
      });
      count += rows.filter((d) => d.topic !== 'webhook.ping').length;
      const last = rows.at(-1);
      before = rows.length < 500 || !last ? undefined : { createdAt: last.createdAt, id: last.id };
    }
    return Math.min(count, cap);
  }
}
