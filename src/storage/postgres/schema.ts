import type { Migration } from '../sql/codec.js';
import { activeRunMigrations } from './migrations/active-runs.js';
import { claimColumnMigrations } from './migrations/claim-columns.js';
import { claimFloorMigrations } from './migrations/claim-floor.js';
import { claimMigrations } from './migrations/claims.js';
import { fanoutMigrations } from './migrations/fanouts.js';
import { initialMigrations } from './migrations/initial.js';
import { jobLeaseMigrations } from './migrations/job-leases.js';
import { leasedFanoutMigrations } from './migrations/leased-fanouts.js';
import { leaseMigrations } from './migrations/leases.js';
import { messageIndexMigrations } from './migrations/message-index.js';
import { operationsMigrations } from './migrations/operations.js';
import { outcomeMigrations } from './migrations/outcomes.js';
import { planMigrations } from './migrations/plans.js';

// Ids use the "C" collation so that ordering and `id > after` paging compare code points, as the other
// adapters do, whatever locale the database was created with. Instants are bigint epoch milliseconds;
// nested values are `json` (kept as written, key order included). Jobs' wake_at: see sqlite/schema.ts;
// deliveries have none since version 12 (migrations/leases.ts), and the claims no longer read the jobs' since 15.
// A migration that has shipped is never edited (databases out there ran it): a change is a new version, in
// the file of migrations/ named after its concept (a new file for a new concept).

/** The migrations, in version order, for tables in `schema` (already a quoted identifier). */
export function postgresMigrations(schema: string): Migration[] {
  return [
    ...initialMigrations(schema),
    ...claimMigrations(schema),
    ...operationsMigrations(schema),
    ...fanoutMigrations(schema),
    ...leaseMigrations(schema),
    ...planMigrations(schema),
    ...jobLeaseMigrations(schema),
    ...outcomeMigrations(schema),
    ...activeRunMigrations(schema),
    ...claimFloorMigrations(schema),
    ...leasedFanoutMigrations(schema),
    ...claimColumnMigrations(schema),
    ...messageIndexMigrations(schema),
  ].sort((a, b) => a.version - b.version); // a file's versions need not be consecutive (outcomes.ts: 16, 17, 19, 20)
}

export const POSTGRES_SCHEMA_VERSION = 24;
