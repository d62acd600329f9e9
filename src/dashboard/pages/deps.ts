import type { Scheduler, Storage, WebhookNotifier } from '../../index.js';
import type { DataSource } from '../data/source.js';
import type { StatsCache } from '../data/stats.js';
import type { Zones } from '../data/zones.js';

/** What pages and actions work with. */
export interface Deps {
  data: DataSource;
  stats: StatsCache;
  /** The zone each time is shown in, from the viewer's choice. */
  zones: Zones;
  storage: Storage;
  scheduler: Scheduler | undefined;
  notifier: WebhookNotifier | undefined;
}
