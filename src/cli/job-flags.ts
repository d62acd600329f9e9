/** Turns `cronhook jobs add` flags into a JobDefinition (validated afterwards by the Scheduler). */
import type { ScheduleInput } from '../schedule/types.js';
import type { HttpTarget, JobDefinition, JobTarget, OverlapPolicy } from '../scheduler/types.js';
import {
  choiceOption,
  intOption,
  listOption,
  type OptionSpec,
  type OptionValues,
  stringOption,
  UsageError,
} from './command.js';
import { jsonProblem } from './parse-errors.js';
import { HEADER_ENV_OPTION, headersFromEnv, VISIBLE } from './secret-flags.js';

export const JOB_ADD_OPTIONS: Record<string, OptionSpec> = {
  id: { type: 'string', value: '<id>', description: 'Job id (default: generated)' },
  name: { type: 'string', value: '<name>', description: 'Human-readable name' },
  cron: { type: 'string', value: '<expr>', description: 'Cron schedule, e.g. "0 3 * * *"' },
  tz: { type: 'string', value: '<zone>', description: 'IANA timezone of --cron (default UTC)' },
  every: { type: 'string', value: '<duration>', description: 'Fixed interval: 90s, 15m, 2h, 1d' },
  at: { type: 'string', value: '<iso>', description: 'Run once at this instant' },
  url: { type: 'string', value: '<url>', description: 'HTTP target' },
  method: { type: 'string', value: '<method>', description: 'HTTP method (default POST)' },
  header: {
    type: 'string',
    multiple: true,
    value: '<name:value>',
    description: `Request header; a credential given here is ${VISIBLE}: use --header-env`,
  },
  ...HEADER_ENV_OPTION,
  body: {
    type: 'string',
    value: '<text>',
    description:
      'Request body: JSON is sent as application/json, other text as text/plain (a --header content-type wins)',
  },
  handler: {
    type: 'string',
    value: '<name>',
    description: 'In-process handler target (registered by `run`)',
  },
  payload: { type: 'string', value: '<json>', description: 'JSON passed to the handler' },
  'timeout-ms': { type: 'string', value: '<ms>', description: 'Per-attempt timeout (default 30000)' },
  attempts: { type: 'string', value: '<n>', description: 'Attempts per run, retries included (default 1)' },
  overlap: { type: 'string', value: '<policy>', description: 'skip | allow | queue (default skip)' },
  paused: { type: 'boolean', description: 'Add the job paused' },
  definition: {
    type: 'string',
    value: '<json|->',
    description: 'The whole job definition as JSON (- reads it from stdin); other flags override its fields',
  },
};

export function jobDefinitionFromFlags(values: OptionValues): JobDefinition {
  const base = parseJsonFlag(values, 'definition') as Partial<JobDefinition> | undefined;
  if (base !== undefined && (base === null || typeof base !== 'object' || Array.isArray(base))) {
    throw new UsageError('--definition must be a JSON object', 'definition');
  }
  const def: Partial<JobDefinition> = { ...(base ?? {}) };
  const id = stringOption(values, 'id');
  if (id !== undefined) def.id = id;
  const name = stringOption(values, 'name');
  if (name !== undefined) def.name = name;

  const schedule = scheduleFromFlags(values);
  if (schedule !== undefined) def.schedule = schedule;
  if (def.schedule === undefined) {
    throw new UsageError(
      'a schedule is required: --cron "<expr>", --every <duration> or --at <iso>',
      'schedule',
    );
  }

  const target = targetFromFlags(values);
  if (target !== undefined) def.target = target;
  if (def.target === undefined) {
    throw new UsageError('a target is required: --url <url> or --handler <name>', 'target');
  }

  if (values.attempts !== undefined) {
    def.retry = { ...(def.retry ?? {}), attempts: intOption(values, 'attempts', 1, { min: 1, max: 100 }) };
  }
  const overlap = choiceOption<OverlapPolicy>(values, 'overlap', ['skip', 'allow', 'queue']);
  if (overlap !== undefined) def.overlap = overlap;
  if (values.paused) def.enabled = false;
  return def as JobDefinition;
}

function scheduleFromFlags(values: OptionValues): ScheduleInput | undefined {
  const cron = stringOption(values, 'cron');
  const every = stringOption(values, 'every');
  const at = stringOption(values, 'at');
  const given = [cron, every, at].filter((v) => v !== undefined).length;
  if (given > 1) throw new UsageError('give only one of --cron, --every and --at', 'schedule');
  const tz = stringOption(values, 'tz');
  if (tz !== undefined && cron === undefined) throw new UsageError('--tz applies to --cron only', 'tz');
  if (cron !== undefined) return tz === undefined ? cron : { cron, timezone: tz };
  if (every !== undefined) return { every: /^\d+$/.test(every) ? Number(every) : every };
  if (at !== undefined) return { at };
  return undefined;
}

function targetFromFlags(values: OptionValues): JobTarget | undefined {
  const url = stringOption(values, 'url');
  const handler = stringOption(values, 'handler');
  if (url !== undefined && handler !== undefined) {
    throw new UsageError('give either --url or --handler, not both', 'target');
  }
  const timeoutMs =
    values['timeout-ms'] === undefined
      ? undefined
      : intOption(values, 'timeout-ms', 0, { min: 1, max: 3_600_000 });
  if (url !== undefined) {
    const target: HttpTarget = { url };
    const method = stringOption(values, 'method');
    if (method !== undefined) target.method = method.toUpperCase();
    const headers = [...listOption(values, 'header').map(parseHeader), ...headersFromEnv(values)];
    if (headers.length > 0) target.headers = Object.fromEntries(headers);
    const body = stringOption(values, 'body');
    if (body !== undefined) {
      target.body = body;
      // The text is sent as typed; JSON is labelled as JSON so the receiver's body parser reads it.
      const named = Object.keys(target.headers ?? {}).some((name) => name.toLowerCase() === 'content-type');
      if (!named && isJson(body)) target.headers = { ...target.headers, 'content-type': 'application/json' };
    }
    if (timeoutMs !== undefined) target.timeoutMs = timeoutMs;
    return target;
  }
  if (handler !== undefined) {
    // Flags of an HTTP call would be dropped without a word: a header meant to carry a credential included.
    for (const flag of ['method', 'header', 'header-env', 'body']) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --url, not --handler`, flag);
    }
    const payload = parseJsonFlag(values, 'payload');
    return {
      handler,
      ...(payload === undefined ? {} : { payload }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  }
  for (const flag of ['method', 'header', 'header-env', 'body', 'payload']) {
    if (values[flag] !== undefined) {
      throw new UsageError(`--${flag} needs --url${flag === 'payload' ? ' or --handler' : ''}`, flag);
    }
  }
  return undefined;
}

function parseHeader(raw: string): [string, string] {
  const colon = raw.indexOf(':');
  // The value is not repeated: a header usually carries a credential.
  if (colon <= 0)
    throw new UsageError(
      `--header must look like "Name: value"; got ${raw.length} characters without a colon after a name (not shown)`,
      'header',
    );
  return [raw.slice(0, colon).trim(), raw.slice(colon + 1).trim()];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseJsonFlag(values: OptionValues, name: string): unknown {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    // V8 quotes the text around the error, and a definition or payload may hold a credential.
    throw new UsageError(`--${name} is not valid JSON: ${jsonProblem(raw, error)}`, name);
  }
}
