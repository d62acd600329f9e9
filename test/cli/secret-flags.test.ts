import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { secretOption } from '../../src/cli/secret-flags.js';
import type { Endpoint } from '../../src/notifier/types.js';
import type { Job } from '../../src/scheduler/types.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { ensureCliBuilt, parseJson, runCli } from '../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

const temp = useTempDir('cli-secret-flags');
let receiver: TestHttpServer;
let db: string;
type CliOptions = Parameters<typeof runCli>[1];
const cli = (args: string[], options?: CliOptions) => runCli([...args, '--db', db], options);
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

beforeAll(async () => {
  await ensureCliBuilt();
  receiver = await startHttpServer((_req, res) => {
    res.writeHead(204).end();
  });
  db = temp.file('secrets.db');
});
afterAll(() => receiver.close());

/** Pings endpoint `id` and verifies the ping the receiver got with `secret` (throws when it does not match). */
async function pingVerifies(id: string, secret: string): Promise<void> {
  const first = receiver.requests.length;
  const ping = await cli(['endpoints', 'ping', id, '--allow-private-networks']);
  expect(ping.code).toBe(0);
  const request = receiver.requests[first]!;
  expect(verifyWebhook({ payload: request.body, headers: request.headers, secret })).toMatchObject({
    type: 'webhook.ping',
  });
}

describe('secretOption', () => {
  const io = (stdin: string): Io => ({
    out: () => {},
    err: () => {},
    isTty: false,
    readStdin: async () => stdin,
  });
  it('refuses with ERR_INVALID_OPTION naming the flag given', async () => {
    await expect(secretOption({ 'secret-env': 'NO_SUCH_VAR' }, io(''), 'secret')).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      field: 'secret-env',
    });
    await expect(secretOption({ secret: '-' }, io('\n'), 'secret')).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      field: 'secret',
    });
  });
  it('gives the value of --secret as it is, of --secret - without its trailing newline', async () => {
    expect(await secretOption({ secret: 'a b ' }, io(''), 'secret')).toBe('a b ');
    expect(await secretOption({ secret: '-' }, io('line one\r\n'), 'secret')).toBe('line one');
    expect(await secretOption({}, io(''), 'secret')).toBeUndefined();
  });
});

describe('credentials kept off the command line', () => {
  it('endpoints add --secret-env signs with the secret from the environment, printed once as with --secret', async () => {
    const secret = newSecret();
    const added = await cli(
      [
        'endpoints',
        'add',
        '--id',
        'from-env',
        '--url',
        receiver.url('/env'),
        '--secret-env',
        'HOOK_SECRET',
        '--json',
      ],
      { env: { HOOK_SECRET: secret } },
    );
    expect(added.code).toBe(0);
    expect(parseJson<{ endpoint: Endpoint; secret: string }>(added).secret).toBe(secret);
    await pingVerifies('from-env', secret);
  });

  it('endpoints add --secret - reads the secret from stdin (a trailing newline dropped)', async () => {
    const secret = newSecret();
    const added = await cli(
      ['endpoints', 'add', '--id', 'from-stdin', '--url', receiver.url('/stdin'), '--secret', '-'],
      {
        input: `${secret}\n`,
      },
    );
    expect(added.code).toBe(0);
    await pingVerifies('from-stdin', secret);
  });

  it('refuses a missing, empty or invalid secret naming the flag, never echoing the value; nothing is stored', async () => {
    const bad = 'whsec_not-base64-SECRETVALUE';
    const cases: Array<{ args: string[]; options?: CliOptions; says: RegExp }> = [
      {
        args: ['--secret-env', 'NO_SUCH_VAR'],
        says: /--secret-env: environment variable NO_SUCH_VAR is not set/,
      },
      {
        args: ['--secret-env', 'EMPTY'],
        options: { env: { EMPTY: '' } },
        says: /--secret-env: environment variable EMPTY is not set or is empty/,
      },
      {
        args: ['--secret-env', 'not a name'],
        says: /--secret-env takes the name of an environment variable/,
      },
      { args: ['--secret', '-'], options: { input: '' }, says: /--secret -: nothing was read from stdin/ },
      {
        args: ['--secret', newSecret(), '--secret-env', 'HOOK'],
        options: { env: { HOOK: newSecret() } },
        says: /give --secret or --secret-env, not both/,
      },
      {
        args: ['--secret-env', 'BAD'],
        options: { env: { BAD: bad } },
        says: /--secret-env \(environment variable BAD\): secret .*expected "whsec_"/,
      },
      {
        args: ['--secret', '-'],
        options: { input: bad },
        says: /--secret - \(stdin\): secret .*expected "whsec_"/,
      },
    ];
    for (const { args, options, says } of cases) {
      const result = await cli(['endpoints', 'add', '--url', receiver.url('/refused'), ...args], options);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(says);
      expect(result.stderr + result.stdout).not.toContain('SECRETVALUE');
    }
    const listed = await cli(['endpoints', 'list', '--json']);
    expect(parseJson<Endpoint[]>(listed).map((e) => e.id)).toEqual(['from-env', 'from-stdin']);
  });

  it('jobs add --header-env sends the header value from the environment, never printing it', async () => {
    const added = await cli(
      [
        'jobs',
        'add',
        '--id',
        'report',
        '--every',
        '1h',
        '--url',
        receiver.url('/report'),
        '--header-env',
        'Authorization=REPORT_TOKEN',
        '--header',
        'x-team: ops',
        '--json',
      ],
      { env: { REPORT_TOKEN: 'Bearer T0K3N-FROM-ENV' } },
    );
    expect(added.code).toBe(0);
    expect(parseJson<Job>(added).target).toMatchObject({ headerNames: ['x-team', 'Authorization'] });
    expect(added.stdout).not.toContain('T0K3N');
    const ran = await cli(['jobs', 'trigger', 'report', '--here']);
    expect(ran.code).toBe(0);
    expect(ran.stdout + ran.stderr).not.toContain('T0K3N');
    const request = receiver.requests.find((r) => r.path === '/report');
    expect(request?.headers.authorization).toBe('Bearer T0K3N-FROM-ENV');
    expect(request?.headers['x-team']).toBe('ops');
  });

  it('jobs add --definition - reads the whole job from stdin', async () => {
    const definition = {
      id: 'piped',
      schedule: { every: '1h' },
      target: { url: receiver.url('/piped'), headers: { authorization: 'Bearer P1PED' } },
    };
    const added = await cli(['jobs', 'add', '--definition', '-', '--json'], {
      input: JSON.stringify(definition),
    });
    expect(added.code).toBe(0);
    expect(parseJson<Job>(added)).toMatchObject({ id: 'piped', target: { headerNames: ['authorization'] } });
    expect(added.stdout).not.toContain('P1PED');
  });

  it('refuses a malformed --header-env or an unset variable naming the flag, never echoing the value', async () => {
    const cases: Array<{ args: string[]; says: RegExp }> = [
      {
        args: ['--header-env', 'Authorization: Bearer S3CR3T'],
        says: /--header-env must look like "Name=VAR"/,
      },
      {
        args: ['--header-env', 'Authorization=UNSET_VAR'],
        says: /--header-env: environment variable UNSET_VAR is not set/,
      },
      {
        args: ['--header-env', 'Authorization=Bearer S3CR3T'],
        says: /--header-env takes the name of an environment variable/,
      },
    ];
    for (const { args, says } of cases) {
      const result = await cli(['jobs', 'add', '--every', '1h', '--url', receiver.url('/x'), ...args]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(says);
      expect(result.stderr).not.toContain('S3CR3T');
    }
    const handler = await cli(['jobs', 'add', '--every', '1h', '--handler', 'h', '--header-env', 'A=B']);
    expect(handler.code).toBe(2);
    expect(handler.stderr).toContain('--header-env needs --url, not --handler');
  });

  it('--help says that values on the command line are visible to other users, and names the ways that are not', async () => {
    const endpoints = await runCli(['endpoints', 'add', '--help']);
    expect(endpoints.stdout).toMatch(/--secret <whsec_…\|->.*visible to other users of the machine/);
    expect(endpoints.stdout).toContain('--secret-env <VAR>');
    const jobs = await runCli(['jobs', 'add', '--help']);
    expect(jobs.stdout).toMatch(/--header <name:value>.*visible to other users of the machine.*--header-env/);
    expect(jobs.stdout).toContain('--header-env <Name=VAR>');
    expect(jobs.stdout).toContain('- reads it from stdin');
  });
});
