/** `cronhook endpoints list|add|remove|rotate-secret|ping`. */
import { CronhookError } from '../../errors.js';
import { validateSecret } from '../../notifier/signing/signatures.js';
import { parseDuration } from '../../schedule/normalize.js';
import { safeUrl } from '../../transport/safe-url.js';
import {
  type Command,
  intOption,
  JSON_OPTION,
  listOption,
  type OptionSpec,
  stringOption,
  UsageError,
} from '../command.js';
import {
  ENDPOINT_HEADERS,
  endpointRow,
  errorText,
  msText,
  orDash,
  printFields,
  printJson,
  printTable,
} from '../format.js';
import { secretOption, VISIBLE } from '../secret-flags.js';
import { DATABASE_OPTIONS, withApp } from '../storage.js';

const PRIVATE_OPTION: Record<string, OptionSpec> = {
  'allow-private-networks': {
    type: 'boolean',
    description: 'Allow loopback and private addresses (blocked by default: SSRF guard)',
  },
};
const ID = { min: 1, max: 1 };

const list: Command = {
  name: 'endpoints list',
  summary: 'List webhook endpoints (never their secrets).',
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    limit: { type: 'string', value: '<n>', description: 'At most this many (default 100)' },
  },
  run: ({ values, io }) =>
    withApp(values, { mustExist: true }, async ({ notifier }) => {
      const limit = intOption(values, 'limit', 100, { min: 1, max: 10_000 });
      const endpoints = await notifier.listEndpoints({ limit });
      if (values.json) printJson(io, endpoints);
      else printTable(io, ENDPOINT_HEADERS, endpoints.map(endpointRow), 'no endpoints');
      return 0;
    }),
};

const add: Command = {
  name: 'endpoints add',
  summary: 'Register a webhook endpoint and print its signing secret (shown this once).',
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    id: { type: 'string', value: '<id>', description: 'The endpoint id (default a generated ep_… id)' },
    url: { type: 'string', value: '<url>', description: 'Where deliveries are POSTed (required)' },
    topic: {
      type: 'string',
      multiple: true,
      value: '<topic>',
      description: 'Topic or wildcard: job.execution.failed, job.*, * (default *)',
    },
    description: { type: 'string', value: '<text>', description: 'What the endpoint is for' },
    job: { type: 'string', multiple: true, value: '<id>', description: 'Only events of this job' },
    secret: {
      type: 'string',
      value: '<whsec_…|->',
      description: `Use this secret instead of a generated one; - reads it from stdin. A value given here is ${VISIBLE}`,
    },
    'secret-env': {
      type: 'string',
      value: '<VAR>',
      description: 'Use the secret held by environment variable VAR (not shown by ps)',
    },
  },
  details: `Examples:
  cronhook endpoints add --url https://example.com/hooks --topic job.execution.failed --topic job.execution.missed
  HOOK_SECRET=whsec_… cronhook endpoints add --url https://example.com/hooks --secret-env HOOK_SECRET
  cronhook endpoints add --url https://example.com/hooks --secret - < hook-secret.txt`,
  run: async ({ values, io }) => {
    const url = stringOption(values, 'url');
    if (url === undefined)
      throw new UsageError('cronhook endpoints add: --url is required (see --help)', 'url');
    const topics = listOption(values, 'topic');
    const jobIds = listOption(values, 'job');
    const description = stringOption(values, 'description');
    const secret = await secretOption(values, io, 'secret', (value) => validateSecret(value));
    const id = stringOption(values, 'id');
    return withApp(values, { mustExist: false }, async ({ notifier }) => {
      const result = await notifier.addEndpoint({
        ...(id === undefined ? {} : { id }),
        url,
        ...(topics.length > 0 ? { topics } : {}),
        ...(jobIds.length > 0 ? { jobIds } : {}),
        ...(description === undefined ? {} : { description }),
        ...(secret === undefined ? {} : { secret }),
      });
      if (values.json) printJson(io, result);
      else
        printFields(io, [
          ['endpoint', result.endpoint.id],
          ['url', safeUrl(result.endpoint.url)],
          ['topics', result.endpoint.topics.join(', ')],
          ['secret', result.secret],
        ]);
      return 0;
    });
  },
};

const remove: Command = {
  name: 'endpoints remove',
  args: '<id>',
  summary: 'Delete an endpoint and its pending deliveries.',
  positionals: ID,
  options: { ...DATABASE_OPTIONS },
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ notifier }) => {
      const id = positionals[0]!;
      if (!(await notifier.removeEndpoint(id))) throw endpointNotFound(id);
      io.out(`removed ${id}`);
      return 0;
    }),
};

const rotate: Command = {
  name: 'endpoints rotate-secret',
  args: '<id>',
  summary: 'Replace the signing secret and print the new one; the old keeps signing during the grace period.',
  positionals: ID,
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    grace: {
      type: 'string',
      value: '<duration>',
      description: 'How long the old secret keeps signing: 0, 30m, 24h (default 24h)',
    },
  },
  run: ({ values, positionals, io }) => {
    const graceRaw = stringOption(values, 'grace');
    let graceMs: number | undefined;
    if (graceRaw !== undefined) {
      try {
        graceMs = graceRaw === '0' ? 0 : parseDuration(/^\d+$/.test(graceRaw) ? Number(graceRaw) : graceRaw);
      } catch {
        throw new UsageError(
          `--grace must be a duration such as 0, 30m or 24h, got ${JSON.stringify(graceRaw)}`,
          'grace',
        );
      }
    }
    return withApp(values, { mustExist: true }, async ({ notifier }) => {
      const id = positionals[0]!;
      const { secret } = await notifier.rotateSecret(id, graceMs === undefined ? {} : { graceMs });
      if (values.json) printJson(io, { endpointId: id, secret });
      else
        printFields(io, [
          ['endpoint', id],
          ['secret', secret],
        ]);
      return 0;
    });
  },
};

const ping: Command = {
  name: 'endpoints ping',
  args: '<id>',
  summary: 'Send a signed webhook.ping now and print the outcome. Exit code 1 when it failed.',
  positionals: ID,
  options: { ...DATABASE_OPTIONS, ...JSON_OPTION, ...PRIVATE_OPTION },
  run: ({ values, positionals, io }) =>
    withApp(
      values,
      { mustExist: true, allowPrivateNetworks: values['allow-private-networks'] === true },
      async ({ notifier }) => {
        const attempt = await notifier.ping(positionals[0]!);
        if (values.json) printJson(io, attempt);
        else
          printFields(io, [
            ['delivery', attempt.deliveryId],
            ['status code', orDash(attempt.statusCode)],
            ['duration', msText(attempt.durationMs)],
            ['error', errorText(attempt.error)],
          ]);
        if (attempt.error?.code === 'ERR_DESTINATION_BLOCKED' && values['allow-private-networks'] !== true) {
          io.err(
            'The endpoint resolves to a loopback or private address, which is blocked by default (SSRF guard). For a receiver on your own network, run it again with --allow-private-networks.',
          );
        }
        const ok = attempt.error === null && attempt.statusCode !== null && attempt.statusCode < 300;
        return ok ? 0 : 1;
      },
    ),
};

export function endpointNotFound(id: string): CronhookError {
  return new CronhookError('ERR_ENDPOINT_NOT_FOUND', `No endpoint with id ${JSON.stringify(id)}`, {
    field: 'id',
  });
}

export const endpointsCommands: Command[] = [list, add, remove, rotate, ping];
