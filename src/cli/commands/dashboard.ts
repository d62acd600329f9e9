/** `cronhook dashboard`: the operator dashboard alone, against a database. */
import { WebhookNotifier } from '../../notifier/webhook-notifier.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { type Command, choiceOption, stringOption } from '../command.js';
import { DASHBOARD_ACCESS_HELP, startDashboardServer } from '../dashboard-server.js';
import { createLogger, type LogFormat } from '../logger.js';
import { chooseDatabase, DATABASE_OPTIONS, openStorage } from '../storage.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'Serve the operator dashboard for a database until SIGINT/SIGTERM.',
  options: {
    ...DATABASE_OPTIONS,
    listen: {
      type: 'string',
      value: '<host:port>',
      description: 'Address to serve on (default 127.0.0.1:8080; port 0 picks a free one)',
    },
    actions: {
      type: 'boolean',
      description: 'Allow pause/resume, endpoint changes, ping, redeliver and replay (default: read-only)',
    },
    log: { type: 'string', value: '<format>', description: 'json (one object per line) or pretty (default)' },
  },
  details: `Read-only by default. With --actions, jobs can be paused and resumed and endpoints and deliveries
managed from the page; "run now" stays with "cronhook run", which has the job handlers.

${DASHBOARD_ACCESS_HELP}

Example:
  CRONHOOK_DASHBOARD_USER=ops CRONHOOK_DASHBOARD_PASSWORD=… cronhook dashboard --db cronhook.db --listen 0.0.0.0:8080`,
  async run({ values, io }) {
    const format = choiceOption<LogFormat>(values, 'log', ['json', 'pretty']) ?? 'pretty';
    const logger = createLogger(format, (line) => io.out(line), 'info');
    const storage = await openStorage(chooseDatabase(values), { mustExist: true });
    let server: Awaited<ReturnType<typeof startDashboardServer>>;
    try {
      const actions = values.actions === true;
      // Neither is started: they only carry out the page's actions on the same storage.
      const scheduler = actions ? new Scheduler({ storage, logger }) : undefined;
      const notifier = actions ? new WebhookNotifier({ storage, logger }) : undefined;
      server = await startDashboardServer({
        address: stringOption(values, 'listen') ?? '127.0.0.1:8080',
        flag: 'listen',
        storage,
        ...(scheduler ? { scheduler } : {}),
        ...(notifier ? { notifier } : {}),
        ...(actions
          ? {
              permissions: {
                pauseJob: true,
                resumeJob: true,
                addEndpoint: true,
                editEndpoint: true,
                enableEndpoint: true,
                disableEndpoint: true,
                deleteEndpoint: true,
                rotateSecret: true,
                ping: true,
                redeliver: true,
                replay: true,
              },
            }
          : {}),
        env: process.env,
        logger,
      });
    } catch (error) {
      await storage.close?.();
      throw error;
    }
    logger.info('dashboard serving', { url: server.url, readOnly: values.actions !== true });
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    logger.info('shutting down', { signal });
    await server.close();
    await storage.close?.();
    logger.info('stopped');
    return 0;
  },
};
