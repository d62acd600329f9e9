import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import type { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { HttpTarget, JobDefinition } from '../../../src/scheduler/types.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

// A job's target and size limits, checked at the door: what addJob accepts works at run time, a refusal is an
// ERR_INVALID_JOB naming the field and stores nothing, and no secret value is echoed or returned.

const url = 'https://api.example.com/charge';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

async function refusal(scheduler: Scheduler, definition: JobDefinition): Promise<CronhookError> {
  const error = await scheduler.addJob(definition).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  expect(await scheduler.listJobs()).toEqual([]);
  return error as CronhookError;
}

function http(target: Partial<HttpTarget> & Record<string, unknown>): JobDefinition {
  return { id: 'j', schedule: '0 3 * * *', target: { url, ...target } as HttpTarget };
}

describe('job URLs', () => {
  it('refuses credentials in the URL (never sent), pointing to headers, without echoing them', async () => {
    const { scheduler } = createTestScheduler();
    for (const withCredentials of [
      'https://svc:Sup3rS3cret@api.example.com/x',
      'https://token@api.example.com/',
    ]) {
      const error = await refusal(scheduler, http({ url: withCredentials }));
      expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.url' });
      expect(error.message).toContain('credentials (user:password@)');
      expect(error.message).toContain('target.headers');
      expect(error.message).not.toMatch(/Sup3rS3cret|token@/);
    }
  });

  it('never echoes a rejected URL: its query may hold a token', async () => {
    const { scheduler } = createTestScheduler();
    for (const bad of [
      'not a url?token=SECRET',
      'ftp://files.example.com/?token=SECRET',
      'mailto:x?token=SECRET',
    ]) {
      const error = await refusal(scheduler, http({ url: bad }));
      expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.url' });
      expect(error.message).not.toContain('SECRET');
    }
  });

  it('refuses a URL longer than 2048 characters', async () => {
    const { scheduler } = createTestScheduler();
    const error = await refusal(scheduler, http({ url: `${url}?q=${'x'.repeat(2048)}` }));
    expect(error).toMatchObject({ field: 'target.url' });
    expect(error.message).toContain('at most 2048');
  });
});

describe('job headers', () => {
  it.each([
    ['a NUL', 'a\0b'],
    ['a control character', 'a\u0001b'],
    ['DEL', 'a\u007fb'],
    ['a line break', 'a\nb'],
    ['a non-ASCII character', 'Bearer tök€n'],
  ])('refuses a value with %s, without echoing it', async (_label, value) => {
    const { scheduler } = createTestScheduler();
    const error = await refusal(scheduler, http({ headers: { authorization: value } }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.headers.authorization' });
    expect(error.message).toContain('visible ASCII');
    expect(error.message).not.toContain(value);
  });

  it.each([
    'Host',
    'content-length',
    'Transfer-Encoding',
    'connection',
    'keep-alive',
    'upgrade',
    'expect',
    'te',
  ])('refuses the header %s, which the transport sets itself', async (name) => {
    const { scheduler } = createTestScheduler();
    const error = await refusal(scheduler, http({ headers: { [name]: 'x' } }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: `target.headers.${name}` });
    expect(error.message).toContain('may not be set');
  });

  it.each([
    'Authorization: Bearer tok-0123456789',
    'X-Api-Key=tok-0123456789',
    'Authorization Bearer tok-0123456789',
  ])(
    'refuses the invalid header name %j without repeating it (a value may be pasted into it)',
    async (name) => {
      const { scheduler } = createTestScheduler();
      const error = await refusal(scheduler, http({ headers: { [name]: 'x' } }));
      expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.headers' });
      expect(error.message).toContain('invalid header name');
      expect(error.message).not.toContain('tok-0123456789');
    },
  );

  it('refuses more than 8 KiB of headers', async () => {
    const { scheduler } = createTestScheduler();
    const error = await refusal(
      scheduler,
      http({ headers: { 'x-a': 'a'.repeat(5000), 'x-b': 'b'.repeat(5000) } }),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.headers' });
    expect(error.message).toContain('8192');
  });

  it('accepts tabs, spaces and every visible ASCII character, and sends them as given', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    const value = `Bearer\t${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;
    await scheduler.addJob({ ...http({ headers: { 'X-Api-Key': value } }), schedule: { every: '1m' } });
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests[0]?.headers['x-api-key']).toBe(value);
    await scheduler.stop();
  });
});

describe('job signing secrets', () => {
  it.each([
    ['padding only', `whsec_${'='.repeat(40)}`],
    ['too few bytes', `whsec_${Buffer.alloc(23, 1).toString('base64')}`],
    ['too many bytes', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['not canonical base64', `whsec_${Buffer.alloc(32, 1).toString('base64').replace(/=$/, '')}`],
  ])('refuses a secret with %s, without echoing it', async (_label, signingSecret) => {
    const { scheduler } = createTestScheduler();
    const error = await refusal(scheduler, http({ signingSecret }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.signingSecret' });
    expect(error.message).toContain('24 to 64 bytes');
    expect(error.message).not.toContain(signingSecret.slice(6, 20));
  });
});

describe('handler payloads and sizes', () => {
  it('refuses a function (or anything without a JSON form) as a handler payload', async () => {
    const { scheduler } = createTestScheduler();
    for (const payload of [() => 1, Symbol('s'), 10n]) {
      const error = await refusal(scheduler, {
        id: 'j',
        schedule: '0 3 * * *',
        target: { handler: 'h', payload },
      });
      expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.payload' });
    }
  });

  it('stores a JSON copy of the payload, so the handler gets the same data from every storage', async () => {
    const { scheduler, clock } = createTestScheduler();
    const payload = { when: new Date('2026-01-01T00:00:00Z'), skip: undefined, list: [1, 'a'] };
    let received: unknown;
    scheduler.handle('h', (ctx) => {
      received = ctx.payload;
    });
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'h', payload } });
    payload.list.push(2);
    await scheduler.start();
    await clock.advance('1m');
    expect(received).toEqual({ when: '2026-01-01T00:00:00.000Z', list: [1, 'a'] });
    await scheduler.stop();
  });

  it.each([
    ['name', { name: 'n'.repeat(201) }, 'name', 'at most 200'],
    ['metadata', { metadata: { blob: 'm'.repeat(16_384) } }, 'metadata', '16384 bytes'],
    ['an HTTP body', { target: { url, body: 'b'.repeat(262_145) } }, 'target.body', '262144 bytes'],
    ['a JSON body', { target: { url, body: { b: 'b'.repeat(262_144) } } }, 'target.body', '262144 bytes'],
    [
      'a handler payload',
      { target: { handler: 'h', payload: { p: 'p'.repeat(262_144) } } },
      'target.payload',
      '262144 bytes',
    ],
  ])(
    'refuses %s past its limit (it is copied into every run, event and webhook)',
    async (_l, part, field, limit) => {
      const { scheduler } = createTestScheduler();
      const error = await refusal(scheduler, { id: 'j', schedule: '0 3 * * *', target: { url }, ...part });
      expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field });
      expect(error.message).toContain(limit);
    },
  );

  it('accepts each field at its limit', async () => {
    const { scheduler } = createTestScheduler();
    await scheduler.addJob({
      id: 'j',
      name: 'n'.repeat(200),
      schedule: '0 3 * * *',
      metadata: { blob: 'm'.repeat(16_384 - 12) },
      target: { url, body: 'b'.repeat(262_144) },
    });
    expect((await scheduler.getJob('j'))?.name).toHaveLength(200);
  });
});

describe('the public view of a job', () => {
  const headers = { Authorization: 'Bearer S3CRET-T0KEN', 'x-api-key': 'K3Y' };

  it('returns header names, never values, from getJob, listJobs, addJob, updateJob and job.* events', async () => {
    const { scheduler, events } = createTestScheduler();
    const added = await scheduler.addJob(http({ headers, signingSecret: SECRET }));
    const updated = await scheduler.updateJob('j', { name: 'renamed' });
    const paused = await scheduler.pauseJob('j');
    const views = [added, updated, paused, await scheduler.getJob('j'), ...(await scheduler.listJobs())];
    for (const job of [...views, ...events.map((e) => (e as { job: unknown }).job)]) {
      expect(job).toMatchObject({
        target: { url, method: 'POST', headerNames: ['Authorization', 'x-api-key'], hasSigningSecret: true },
      });
      const text = JSON.stringify(job);
      expect(text).not.toMatch(/S3CRET|K3Y|whsec_/);
      expect(job).not.toHaveProperty('target.headers');
    }
    expect(events.map((e) => e.type)).toEqual(['job.added', 'job.updated', 'job.paused']);
  });

  it('keeps the values in storage, sends them, and says so for jobs without headers too', async () => {
    const { scheduler, clock, transport, storage } = createTestScheduler();
    await scheduler.addJob({ ...http({ headers }), schedule: { every: '1m' } });
    expect((await storage.getJob('j'))?.target).toMatchObject({ headers });
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests[0]?.headers).toMatchObject({
      authorization: 'Bearer S3CRET-T0KEN',
      'x-api-key': 'K3Y',
    });
    await scheduler.stop();
    const plain = await scheduler.addJob({ ...http({}), id: 'plain' });
    expect(plain.target).toEqual({
      url,
      urlHidden: [],
      method: 'POST',
      headerNames: [],
      hasSigningSecret: false,
    });
  });

  it('refuses a target spread from the public view, instead of silently dropping the stored headers', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    const job = await scheduler.addJob({
      ...http({ headers, signingSecret: SECRET }),
      schedule: { every: '1m' },
    });
    const error = await scheduler
      .updateJob('j', { target: { ...job.target, url: `${url}/v2` } as HttpTarget })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.headerNames' });
    expect((error as Error).message).toContain('give target.headers with their values');
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests[0]).toMatchObject({ url, headers: { authorization: 'Bearer S3CRET-T0KEN' } });
    expect(transport.requests[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    await scheduler.stop();
  });
});
