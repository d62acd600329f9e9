/**
 * Credentials given to a command without putting them on its command line, where every user of the machine
 * sees them (`ps`, /proc/<pid>/cmdline) and the shell keeps them (history): from an environment variable
 * (`--secret-env NAME`, `--header-env Name=VAR`, as the config file's `secretEnv`) or from stdin (`--secret -`,
 * `--definition -`). Errors name the flag and what it takes, never the value.
 */
import { isCronhookError } from '../errors.js';
import { isHeaderName } from '../transport/header-rules.js';
import {
  type Io,
  listOption,
  type OptionSpec,
  type OptionValues,
  stringOption,
  UsageError,
} from './command.js';

/** Said in `--help` of every flag that takes a credential as its value. */
export const VISIBLE = 'visible to other users of the machine (ps) and kept in shell history';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--header-env`, for commands that take `--header`. */
export const HEADER_ENV_OPTION: Record<string, OptionSpec> = {
  'header-env': {
    type: 'string',
    multiple: true,
    value: '<Name=VAR>',
    description: 'Request header whose value is read from environment variable VAR (not shown by ps)',
  },
};

/**
 * The value of environment variable `name`, given to `--flag`: a usage error naming the flag when the name is
 * not one, or the variable is unset or empty (its value is never shown; it may be a stale secret).
 */
export function envValue(flag: string, name: string): string {
  if (!ENV_NAME.test(name)) {
    throw new UsageError(
      `--${flag} takes the name of an environment variable (letters, digits and _, not starting with a digit); ` +
        `got ${name.length} characters that are not one (not shown)`,
      flag,
    );
  }
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new UsageError(`--${flag}: environment variable ${name} is not set or is empty`, flag);
  }
  return value;
}

/**
 * All of stdin as text for `--flag -`, its one trailing newline dropped (`echo` adds one, `printf %s` does
 * not). Empty input is a usage error naming the flag.
 */
export async function stdinValue(io: Io, flag: string): Promise<string> {
  const text = (await io.readStdin()).replace(/\r?\n$/, '');
  if (text === '') {
    throw new UsageError(
      `--${flag} -: nothing was read from stdin; pipe the value in, e.g. cronhook … --${flag} - < file`,
      flag,
    );
  }
  return text;
}

/**
 * A credential flag and its `-env` twin (`--secret` / `--secret-env`): the value given, read from stdin when it
 * is `-`, or read from the named environment variable. At most one of the two may be given. `check` validates
 * the value (throwing a CronhookError that does not quote it); its message is passed on naming the flag used.
 */
export async function secretOption(
  values: OptionValues,
  io: Io,
  flag: string,
  check?: (value: string) => void,
): Promise<string | undefined> {
  const given = stringOption(values, flag);
  const env = stringOption(values, `${flag}-env`);
  if (given !== undefined && env !== undefined) {
    throw new UsageError(`give --${flag} or --${flag}-env, not both`, flag);
  }
  let value: string | undefined;
  let source = flag;
  if (env !== undefined) {
    source = `${flag}-env`;
    value = envValue(source, env);
  } else value = given === '-' ? await stdinValue(io, flag) : given;
  if (value !== undefined && check !== undefined) {
    try {
      check(value);
    } catch (error) {
      if (!isCronhookError(error)) throw error;
      const from = env !== undefined ? ` (environment variable ${env})` : given === '-' ? ' - (stdin)' : '';
      throw new UsageError(`--${source}${from}: ${error.message}`, source);
    }
  }
  return value;
}

/** The headers of `--header-env Name=VAR` flags, each value read from its environment variable. */
export function headersFromEnv(values: OptionValues): Array<[string, string]> {
  return listOption(values, 'header-env').map((raw) => {
    const eq = raw.indexOf('=');
    const name = raw.slice(0, eq).trim();
    if (eq <= 0 || !isHeaderName(name)) {
      // Not repeated: someone may have given the header itself ("Authorization: Bearer …").
      throw new UsageError(
        `--header-env must look like "Name=VAR" (a header name, then the environment variable holding its ` +
          `value); got ${raw.length} characters that do not (not shown)`,
        'header-env',
      );
    }
    return [name, envValue('header-env', raw.slice(eq + 1).trim())];
  });
}
