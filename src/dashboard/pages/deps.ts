import type { Scheduler, Storage, WebhookNotifier } from '../../index.js';
import type { DataSource } from '../data/source.js';
import type { StatsCache } from '../data/stats.js';

/** What pages and actions work with. */
export interface Deps {
  data: DataSource;
  stats: StatsCache;
  storage: Storage;
  scheduler: Scheduler | undefined;
  notifier: WebhookNotifier | undefined;
}
