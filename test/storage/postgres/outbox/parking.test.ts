import { expect, it } from 'vitest';
import { PostgresStorage } from '../../../../src/storage/postgres/index.js';
import { at, delivery, endpoint, message } from '../../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../../../helpers/postgres.js';
import { useCleanups } from '../../../helpers/test-lifecycle.js';

// Deliveries to a disabled endpoint are parked (schema version 6). Whether one is parked is decided by the
// write that stores it, from the endpoint's state, while another instance may be enabling or disabling that
// endpoint: a delivery left parked to an enabled endpoint would never be sent. Several instances (storages
// with pools of their own) publish while another toggles the endpoint; once it ends enabled, every delivery
// must be claimable. (The advisory lock of storage/postgres/parking.ts closes a window between a writer's snapshot
// and its commit that is too narrow to hit on purpose here; this checks the parking and unparking around it.)
describePostgres('PostgresStorage parking under concurrent writers', () => {
  const cleanups = useCleanups();

  it('leaves no delivery parked to an enabled endpoint, whatever publishes and toggles interleave', async () => {
    const schema = uniqueSchema('parking');
    const url = await postgresUrl();
    const open = () => new PostgresStorage({ connectionString: url, schema, max: 4 });
    const [admin, ...publishers] = [open(), open(), open(), open()];
    cleanups.push(() => dropSchema(schema), ...[admin!, ...publishers].map((s) => () => s.close()));
    await admin!.migrate();
    const base = endpoint('ep');
    await admin!.insertEndpoint(base);

    let toggling = true;
    const toggler = (async () => {
      for (let n = 0; toggling; n++) {
        const enabled = n % 2 === 1;
        await admin!.updateEndpoint({ ...base, enabled, disabledReason: enabled ? null : 'manual' });
      }
    })();
    const perPublisher = 150;
    await Promise.all(
      publishers.map(async (storage, p) => {
        for (let i = 0; i < perPublisher; i += 5) {
          // Five messages at once: they are stored by one statement, as a burst of events is.
          await Promise.all(
            Array.from({ length: 5 }, (_, k) => {
              const id = `${p}-${i + k}`;
              return storage.insertMessage({
                message: message(`m-${id}`),
                deliveries: [delivery(`d-${id}`, `m-${id}`, 'ep', { nextAttemptAt: at(0) })],
              });
            }),
          );
        }
      }),
    );
    toggling = false;
    await toggler;
    await admin!.updateEndpoint(base);

    const claimed = await admin!.claimDeliveries({
      now: at(0),
      limit: 1_000,
      instanceId: 'i',
      leaseMs: 60_000,
    });
    expect(claimed).toHaveLength(publishers.length * perPublisher);
  });
});
