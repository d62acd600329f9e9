import type { NormalizedSchedule, Storage } from '../../index.js';
import { JOB_TOPICS } from '../../notifier/payload.js';

/** What the viewer chose at the top of the page: every time in UTC, or a job's times in its own zone. */
export type ZoneMode = 'utc' | 'job';

/** A job's own timezone: a cron job's; interval and one-off jobs have none (their times show in UTC). */
export function scheduleZone(schedule: NormalizedSchedule): string | null {
  return schedule.kind === 'cron' ? schedule.timezone : null;
}

/** The zone to show a time in, given the job it belongs to (null: none, or none known). */
export type ZoneOf<T> = (item: T) => string;

const UTC: ZoneOf<unknown> = () => 'UTC';

/** Only the scheduler's events are about a job: other messages (publish, ping) carry no job id. */
const JOB_EVENT_TOPICS: ReadonlySet<string> = new Set(Object.values(JOB_TOPICS));

/** How many messages' job ids are remembered: a few pages' worth, for the live refresh. */
const REMEMBERED_MESSAGES = 5_000;

/**
 * Which zone each time on a page is shown in: UTC, or, when the viewer chose the job's zone, the zone of the
 * job the run or delivery belongs to (a delivery's job is its message's, for messages the scheduler stored).
 * Nothing is read in UTC mode; in job mode one `getJob` per distinct job and one `getMessage` per message not
 * seen before (messages never change, so their job is remembered).
 */
export class Zones {
  readonly #storage: Storage;
  readonly #messageJobs = new Map<string, string | null>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** The zone of each job's times. */
  async ofJobs(mode: ZoneMode, jobIds: Iterable<string | null>): Promise<ZoneOf<string | null>> {
    if (mode === 'utc') return UTC;
    const ids = [...new Set(jobIds)].filter((id): id is string => id !== null);
    const jobs = await Promise.all(ids.map((id) => this.#storage.getJob(id)));
    const zones = new Map<string, string | null>();
    for (const job of jobs) if (job) zones.set(job.id, scheduleZone(job.schedule));
    return (jobId) => (jobId === null ? null : zones.get(jobId)) ?? 'UTC';
  }

  /** The zone of each delivery's times: its job's, when its message is about a job. */
  async ofDeliveries(
    mode: ZoneMode,
    deliveries: ReadonlyArray<{ messageId: string; topic: string }>,
  ): Promise<ZoneOf<{ messageId: string }>> {
    if (mode === 'utc') return UTC;
    const unknown = [
      ...new Set(
        deliveries
          .filter((d) => JOB_EVENT_TOPICS.has(d.topic) && !this.#messageJobs.has(d.messageId))
          .map((d) => d.messageId),
      ),
    ];
    const messages = await Promise.all(unknown.map((id) => this.#storage.getMessage(id)));
    for (const [i, id] of unknown.entries()) this.#remember(id, messages[i]?.jobId ?? null);
    const jobOf = (d: { messageId: string }) => this.#messageJobs.get(d.messageId) ?? null;
    const zoneOf = await this.ofJobs(mode, deliveries.map(jobOf));
    return (d) => zoneOf(jobOf(d));
  }

  #remember(messageId: string, jobId: string | null): void {
    this.#messageJobs.set(messageId, jobId);
    if (this.#messageJobs.size > REMEMBERED_MESSAGES) {
      this.#messageJobs.delete(this.#messageJobs.keys().next().value!);
    }
  }
}
