import { CronhookError } from '../../errors.js';
import type { WebhookNotifier } from '../../index.js';
import { href } from '../pages/context.js';
import { replayConfirmPage } from '../pages/deliveries.js';
import type { ActionDeps, ActionHandler } from './types.js';

const COUNT_CAP = 100_000;

function requireNotifier(deps: ActionDeps): WebhookNotifier {
  if (!deps.notifier)
    throw new CronhookError('ERR_FORBIDDEN', 'This dashboard has no notifier to act on deliveries');
  return deps.notifier;
}

export const redeliver: ActionHandler = async (ctx, deps, _form, id) => {
  await requireNotifier(deps).redeliver(id);
  return { redirect: href(ctx, `/deliveries/${encodeURIComponent(id)}`, { done: 'redelivered' }) };
};

function sinceField(form: URLSearchParams): Date {
  const value = (form.get('since') ?? '').trim();
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}Z` : value;
  const since = new Date(iso);
  if (value.length > 40 || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(since.getTime())) {
    throw new CronhookError(
      'ERR_INVALID_REQUEST',
      'since must be a date and time such as 2026-01-31T09:00 (UTC)',
      {
        field: 'since',
      },
    );
  }
  return since;
}

/**
 * Bulk replay in two steps: the first answers with how many failed deliveries would be replayed, the
 * second (carrying `confirm`) replays them.
 */
export const replay: ActionHandler = async (ctx, deps, form) => {
  const notifier = requireNotifier(deps);
  const endpointId = (form.get('endpointId') ?? '').trim();
  if (!endpointId || endpointId.length > 200) {
    throw new CronhookError('ERR_INVALID_REQUEST', 'endpointId is required', { field: 'endpointId' });
  }
  const since = sinceField(form);
  if (!(await deps.data.endpoint(endpointId, ctx.now))) {
    throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', 'There is no endpoint with this id', {
      field: 'endpointId',
    });
  }
  if (form.get('confirm') === null) {
    const count = await deps.data.countReplayable(endpointId, since, ctx.now, COUNT_CAP);
    return { page: replayConfirmPage(ctx, endpointId, since, count, count >= COUNT_CAP) };
  }
  const count = await notifier.replay({ endpointId, since });
  return {
    redirect: href(ctx, '/deliveries', {
      endpoint: endpointId,
      status: 'pending',
      done: 'replayed',
      n: String(count),
    }),
  };
};
