#!/usr/bin/env node
/**
 * The `cronhook` command: `run` the scheduler and notifier from a config file, manage what a database holds
 * (`jobs`, `endpoints`, `deliveries`), and preview cron expressions (`next`). One file per command group in
 * ./commands; this file only dispatches and turns errors into one line on stderr and an exit code.
 */
import { CronhookError } from '../errors.js';
import { VERSION } from '../version.js';
import { type Command, commandHelp, type Io, parseCommandArgs, UsageError } from './command.js';
import { dashboardCommand } from './commands/dashboard.js';
import { deliveriesCommands } from './commands/deliveries.js';
import { encryptionCommands } from './commands/encryption.js';
import { endpointsCommands } from './commands/endpoints.js';
import { jobsCommands } from './commands/jobs.js';
import { nextCommand } from './commands/next.js';
import { runCommand } from './commands/run.js';

const COMMANDS: Command[] = [
  runCommand,
  dashboardCommand,
  ...jobsCommands,
  ...endpointsCommands,
  ...deliveriesCommands,
  ...encryptionCommands,
  nextCommand,
];
const GROUPS = ['jobs', 'endpoints', 'deliveries', 'encryption'];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length + (c.args ? c.args.length + 1 : 0)));
  return [
    `cronhook ${VERSION}: cron jobs with signed, retried webhooks`,
    '',
    'Usage: cronhook <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help. Database: --db <file> (SQLite, default ./cronhook.db) or',
    '--database-url <postgres://…>; env CRONHOOK_DB / CRONHOOK_DATABASE_URL. Encryption keys of stored',
    'secrets: env CRONHOOK_ENCRYPTION_KEYS (newest first, comma-separated).',
  ].join('\n');
}

function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...commands.map((c) => c.name.length + (c.args ? c.args.length + 1 : 0)));
  return [
    `Usage: cronhook ${group} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI for `argv` (without node and the script) and resolves with the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(mainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(VERSION);
    return 0;
  }
  let command: Command | undefined;
  let rest: string[];
  if (GROUPS.includes(first)) {
    if (second === undefined || second === '--help' || second === '-h') {
      io.out(groupHelp(first));
      return second === undefined ? 2 : 0;
    }
    command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (command === undefined) {
      throw new UsageError(`unknown command "${first} ${second}"; see cronhook ${first} --help`);
    }
    rest = argv.slice(2);
  } else {
    command = COMMANDS.find((c) => c.name === first);
    if (command === undefined) throw new UsageError(`unknown command "${first}"; see cronhook --help`);
    rest = argv.slice(1);
  }
  const { values, positionals } = parseCommandArgs(command, rest);
  if (values.help) {
    io.out(commandHelp(command));
    return 0;
  }
  return (await command.run({ values, positionals, io })) ?? 0;
}

/** One line for any error: usage errors exit 2, everything else 1. */
export function reportError(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`cronhook: ${error.message}`);
    return 2;
  }
  if (error instanceof CronhookError) {
    io.err(`cronhook: ${error.message} [${error.code}]`);
    return 1;
  }
  io.err(`cronhook: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.CRONHOOK_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
  return 1;
}

// `cronhook jobs list | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const io: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTty: process.stdout.isTTY === true,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, io);
  },
);
