import { CronhookError } from '../../errors.js';
import type { Run, Scheduler } from '../../index.js';
import { href } from '../pages/context.js';
import type { ActionDeps, ActionHandler } from './types.js';

function requireScheduler(deps: ActionDeps): Scheduler {
  if (!deps.scheduler)
    throw new CronhookError('ERR_FORBIDDEN', 'This dashboard has no scheduler to act on jobs');
  return deps.scheduler;
}

/** "Run now": waits up to `runWaitMs` for the outcome, then shows the job page with it (or "under way"). */
export const runJob: ActionHandler = async (ctx, deps, _form, id) => {
  const scheduler = requireScheduler(deps);
  const run = scheduler.triggerJob(id);
  let timer: { cancel(): void } | undefined;
  const waited = new Promise<null>((resolve) => {
    timer = deps.clock.setTimeout(() => resolve(null), deps.runWaitMs);
  });
  // A run that outlives the wait finishes on its own; its outcome shows in the history.
  run.catch(() => undefined);
  let finished: Run | null;
  try {
    finished = await Promise.race([run, waited]);
  } finally {
    timer?.cancel();
  }
  return {
    redirect:
      href(ctx, `/jobs/${encodeURIComponent(id)}`, { run: finished?.id ?? '' }) + (finished ? '' : '?run='),
  };
};

export const pauseJob: ActionHandler = async (ctx, deps, _form, id) => {
  await requireScheduler(deps).pauseJob(id);
  return { redirect: href(ctx, `/jobs/${encodeURIComponent(id)}`, { done: 'paused' }) };
};

export const resumeJob: ActionHandler = async (ctx, deps, _form, id) => {
  await requireScheduler(deps).resumeJob(id);
  return { redirect: href(ctx, `/jobs/${encodeURIComponent(id)}`, { done: 'resumed' }) };
};
