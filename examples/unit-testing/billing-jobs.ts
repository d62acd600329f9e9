/**
 * A host app's jobs: what an app built on cronhook would have in its own code. The nightly invoice run calls
 * the billing service; the reminder job is an in-process handler. Everything the jobs need comes in as
 * arguments, so tests can hand in a FakeClock and a MockTransport.
 */
import type { Scheduler } from 'cronhook';

export interface BillingJobsOptions {
  /** Base URL of the billing service, e.g. `https://billing.internal`. */
  billingUrl: string;
  /** Sends a reminder; the real app passes its mailer. */
  sendReminder: (customerId: string) => Promise<void>;
  /** Customers with unpaid invoices; the real app queries its database. */
  overdueCustomers: () => Promise<string[]>;
}

export async function registerBillingJobs(scheduler: Scheduler, options: BillingJobsOptions): Promise<void> {
  scheduler.handle('payment-reminders', async ({ signal }) => {
    const customers = await options.overdueCustomers();
    for (const id of customers) {
      signal.throwIfAborted();
      await options.sendReminder(id);
    }
    return { reminded: customers.length };
  });

  // 02:30 Berlin time, when the billing service is quiet; three attempts a minute apart.
  await scheduler.addJob({
    id: 'nightly-invoices',
    schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
    target: {
      url: `${options.billingUrl}/invoices/run`,
      method: 'POST',
      body: { dryRun: false },
      timeoutMs: 60_000,
    },
    retry: { attempts: 3, minDelayMs: 60_000, factor: 1 },
    metadata: { team: 'billing' },
  });
  await scheduler.addJob({
    id: 'payment-reminders',
    schedule: { cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' },
    target: { handler: 'payment-reminders' },
  });
}
