/**
 * The small framework every `cronhook` command is written in: a command declares its options (node:util
 * parseArgs config plus a description), its positionals and a `run`; parsing, `--help` and usage errors are
 * handled here so every command behaves the same.
 */
import { parseArgs } from 'node:util';
import { CronhookError } from '../errors.js';

/** One option: what parseArgs needs plus what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown after the flag in help, e.g. `<file>`. */
  value?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Where a command writes: stdout for results, stderr for diagnostics. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal. */
  isTty: boolean;
  /** All of stdin, as text (for `--secret -`: a credential piped in rather than given on the command line). */
  readStdin(): Promise<string>;
}

export interface CommandInput {
  values: OptionValues;
  positionals: string[];
  io: Io;
}

export interface Command {
  /** Words after `cronhook`, e.g. `jobs list`. */
  name: string;
  summary: string;
  /** Positionals in help, e.g. `<id>`. */
  args?: string;
  positionals?: { min: number; max: number };
  options: Record<string, OptionSpec>;
  /** Extra help text: examples, notes. */
  details?: string;
  /** Resolves with the exit code (0 when nothing is returned). */
  run(input: CommandInput): Promise<number | undefined> | number | undefined;
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends CronhookError {
  override name = 'UsageError';
  constructor(message: string, field?: string) {
    super('ERR_INVALID_OPTION', message, field === undefined ? {} : { field });
  }
}

export const HELP_OPTION: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
};

/** `--json`, for the commands that print a result: JSON instead of a table or fields. */
export const JSON_OPTION: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'Print JSON' },
};

/** Parses `argv` for `command`; throws {@link UsageError} with one clear line on any mistake. */
export function parseCommandArgs(
  command: Command,
  argv: string[],
): { values: OptionValues; positionals: string[] } {
  const options = { ...command.options, ...HELP_OPTION };
  const config = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short === undefined ? {} : { short: spec.short }),
        ...(spec.multiple === undefined ? {} : { multiple: spec.multiple }),
      },
    ]),
  );
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: config,
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`cronhook ${command.name}: ${describeParseError(error)} (see --help)`);
  }
  if (parsed.values.help) return parsed;
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  const count = parsed.positionals.length;
  if (count < min) {
    throw new UsageError(`cronhook ${command.name}: missing ${command.args ?? 'argument'} (see --help)`);
  }
  if (count > max) {
    // Not repeated: an extra argument is often the rest of a value left unquoted (`--header X-Api-Key: sk_…`).
    const expected = max === 0 ? 'none' : `${command.args ?? max}`;
    throw new UsageError(
      `cronhook ${command.name}: unexpected argument (${count} given, expected ${expected}; not shown, in case ` +
        'it is part of a value left unquoted such as a token: quote values with spaces, e.g. ' +
        '--header "Authorization: Bearer …") (see --help)',
    );
  }
  return parsed;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = String(message ?? error);
  const flag = /'(-{1,2}[^' ]+)/.exec(text)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag ?? text}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return text.includes('argument missing')
        ? `option ${flag ?? ''} needs a value`.replace('  ', ' ')
        : `option ${flag ?? ''} does not take a value`.replace('  ', ' ');
    default:
      return text.split('. ')[0] ?? text;
  }
}

/** The `--help` text of one command. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, ...HELP_OPTION };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = [
    `Usage: cronhook ${command.name}${command.args ? ` ${command.args}` : ''} [options]`,
    '',
    command.summary,
    '',
    'Options:',
    ...rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`),
  ];
  if (command.details) lines.push('', command.details.trimEnd());
  return lines.join('\n');
}

/** Reads an integer option, or its default; a bad value is a {@link UsageError} naming the flag. */
export function intOption(
  values: OptionValues,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || n < range.min || n > range.max) {
    throw new UsageError(
      `--${name} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
      name,
    );
  }
  return n;
}

/** Reads a string option constrained to a list. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`, name);
  }
  return raw as T;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const raw = values[name];
  return Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
}
