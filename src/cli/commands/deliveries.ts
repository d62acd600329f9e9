/** `cronhook deliveries list|show|redeliver`: the delivery log. */
import { CronhookError } from '../../errors.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../notifier/types.js';
import { type Command, choiceOption, intOption, JSON_OPTION, stringOption } from '../command.js';
import {
  DELIVERY_HEADERS,
  deliveryRow,
  errorText,
  iso,
  msText,
  orDash,
  printFields,
  printJson,
  printTable,
} from '../format.js';
import { DATABASE_OPTIONS, withApp } from '../storage.js';

const ID = { min: 1, max: 1 };

const list: Command = {
  name: 'deliveries list',
  summary: 'Deliveries, newest first.',
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    endpoint: { type: 'string', value: '<id>', description: 'Only deliveries to this endpoint' },
    status: { type: 'string', value: '<status>', description: DELIVERY_STATUSES.join(' | ') },
    topic: { type: 'string', value: '<topic>', description: 'Only this topic' },
    limit: { type: 'string', value: '<n>', description: 'At most this many (default 50)' },
    cursor: { type: 'string', value: '<cursor>', description: 'Next page (printed after a full page)' },
  },
  run: ({ values, io }) =>
    withApp(values, { mustExist: true }, async ({ notifier }) => {
      const status = choiceOption<DeliveryStatus>(values, 'status', DELIVERY_STATUSES);
      const endpointId = stringOption(values, 'endpoint');
      const topic = stringOption(values, 'topic');
      const cursor = stringOption(values, 'cursor');
      const page = await notifier.listDeliveries({
        limit: intOption(values, 'limit', 50, { min: 1, max: 1000 }),
        ...(status ? { status } : {}),
        ...(endpointId ? { endpointId } : {}),
        ...(topic ? { topic } : {}),
        ...(cursor ? { cursor } : {}),
      });
      if (values.json) {
        printJson(io, page);
        return 0;
      }
      printTable(io, DELIVERY_HEADERS, page.deliveries.map(deliveryRow), 'no deliveries');
      if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}`);
      return 0;
    }),
};

const show: Command = {
  name: 'deliveries show',
  args: '<id>',
  summary: 'One delivery with its message and every attempt.',
  positionals: ID,
  options: { ...DATABASE_OPTIONS, ...JSON_OPTION },
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ notifier }) => {
      const id = positionals[0]!;
      const details = await notifier.getDelivery(id);
      if (details === null) throw deliveryNotFound(id);
      if (values.json) {
        printJson(io, details);
        return 0;
      }
      printFields(io, [
        ['delivery', details.id],
        ['endpoint', details.endpointId],
        ['message', `${details.messageId} (webhook-id)`],
        ['topic', details.topic],
        ['status', details.status],
        ['attempts', String(details.attempts)],
        ['next attempt', iso(details.nextAttemptAt)],
        ['created', iso(details.createdAt)],
        ['body', details.message.body],
      ]);
      io.out('');
      printTable(
        io,
        ['#', 'TRIGGER', 'STARTED', 'DURATION', 'STATUS', 'ERROR'],
        details.attemptLog.map((a) => [
          String(a.attempt),
          a.trigger,
          iso(a.startedAt),
          msText(a.durationMs),
          orDash(a.statusCode),
          errorText(a.error),
        ]),
        'no attempts yet',
      );
      return 0;
    }),
};

const redeliver: Command = {
  name: 'deliveries redeliver',
  args: '<id>',
  summary: 'Send a delivery again now, with the same webhook-id. Exit code 1 when the attempt failed.',
  positionals: ID,
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    'allow-private-networks': {
      type: 'boolean',
      description: 'Allow loopback and private addresses (blocked by default: SSRF guard)',
    },
  },
  run: ({ values, positionals, io }) =>
    withApp(
      values,
      { mustExist: true, allowPrivateNetworks: values['allow-private-networks'] === true },
      async ({ notifier }) => {
        const attempt = await notifier.redeliver(positionals[0]!);
        if (values.json) printJson(io, attempt);
        else
          printFields(io, [
            ['attempt', String(attempt.attempt)],
            ['status code', orDash(attempt.statusCode)],
            ['duration', msText(attempt.durationMs)],
            ['error', errorText(attempt.error)],
          ]);
        const ok = attempt.error === null && attempt.statusCode !== null && attempt.statusCode < 300;
        return ok ? 0 : 1;
      },
    ),
};

function deliveryNotFound(id: string): CronhookError {
  return new CronhookError('ERR_DELIVERY_NOT_FOUND', `No delivery with id ${JSON.stringify(id)}`, {
    field: 'id',
  });
}

export const deliveriesCommands: Command[] = [list, show, redeliver];
