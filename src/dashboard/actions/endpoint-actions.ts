import { CronhookError, isCronhookError } from '../../errors.js';
import type { WebhookNotifier } from '../../index.js';
import { href } from '../pages/context.js';
import { editEndpointPage, type FormProblem, newEndpointPage, revealPage } from '../pages/endpoint-form.js';
import { badField, endpointInput, endpointPatch, postedValues } from './endpoint-form-input.js';
import type { ActionDeps, ActionHandler } from './types.js';

const HOUR = 3_600_000;

function requireNotifier(deps: ActionDeps): WebhookNotifier {
  if (!deps.notifier)
    throw new CronhookError('ERR_FORBIDDEN', 'This dashboard has no notifier to act on endpoints');
  return deps.notifier;
}

/** The form's problem when the error is bad input (a coded field error); undefined for any other error. */
function problemOf(error: unknown): FormProblem | undefined {
  if (!isCronhookError(error) || !/^ERR_INVALID_/.test(error.code)) return undefined;
  return { code: error.code, field: error.field, message: error.message };
}

/**
 * Forms that make a secret carry a nonce: posted again (a reload of the page that showed the secret, the back
 * button), the form does nothing a second time and shows no secret. The endpoint the first post was about,
 * or undefined for a first post.
 */
function postedBefore(deps: ActionDeps, kind: string, form: URLSearchParams): string | undefined {
  const nonce = form.get('nonce') ?? '';
  return nonce === '' || nonce.length > 100 ? undefined : deps.usedNonces.get(`${kind}:${nonce}`);
}

function rememberPost(deps: ActionDeps, kind: string, form: URLSearchParams, endpointId: string): void {
  const nonce = form.get('nonce') ?? '';
  if (nonce === '' || nonce.length > 100) return;
  deps.usedNonces.set(`${kind}:${nonce}`, endpointId);
  if (deps.usedNonces.size > 1000) deps.usedNonces.delete(deps.usedNonces.keys().next().value!);
}

/** Adds the endpoint and answers with the one page that shows its secret. */
export const addEndpoint: ActionHandler = async (ctx, deps, form) => {
  const notifier = requireNotifier(deps);
  // The same form posted again: no second endpoint, and no second look at the secret.
  const previous = postedBefore(deps, 'add', form);
  if (previous) return { redirect: href(ctx, `/endpoints/${encodeURIComponent(previous)}`) };
  let added: Awaited<ReturnType<WebhookNotifier['addEndpoint']>>;
  try {
    added = await notifier.addEndpoint(endpointInput(form));
  } catch (error) {
    const problem = problemOf(error);
    if (problem) return { page: newEndpointPage(ctx, problem), status: 400 };
    throw error;
  }
  rememberPost(deps, 'add', form, added.endpoint.id);
  return { page: revealPage(ctx, added.endpoint.id, added.secret, 'added'), noStore: true };
};

/**
 * Changes an endpoint's description, URL, topics, job filter, authorization value or extra headers. Bad
 * input answers the form again with the error, the posted values (never a secret-bearing one) and nothing
 * changed.
 */
export const editEndpoint: ActionHandler = async (ctx, deps, form, id) => {
  const notifier = requireNotifier(deps);
  const current = await deps.data.endpoint(id, ctx.now);
  if (!current) {
    throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', 'There is no endpoint with this id', { field: 'id' });
  }
  try {
    await notifier.updateEndpoint(id, endpointPatch(form, current));
  } catch (error) {
    const problem = problemOf(error);
    if (!problem) throw error;
    return { page: editEndpointPage(ctx, current, postedValues(form), problem), status: 400 };
  }
  return { redirect: href(ctx, `/endpoints/${encodeURIComponent(id)}`, { done: 'edited' }) };
};

export const rotateSecret: ActionHandler = async (ctx, deps, form, id) => {
  // Posted again: no second rotation (which would also cut short the secret just copied) and no secret shown.
  if (postedBefore(deps, 'rotate', form) === id) {
    return { redirect: href(ctx, `/endpoints/${encodeURIComponent(id)}`) };
  }
  const hours = Number(form.get('graceHours') ?? '24');
  if (!Number.isInteger(hours) || hours < 0 || hours > 720) {
    throw badField('graceHours', 'The grace period must be a whole number of hours from 0 to 720');
  }
  const { secret } = await requireNotifier(deps).rotateSecret(id, { graceMs: hours * HOUR });
  rememberPost(deps, 'rotate', form, id);
  const graceEnds = hours > 0 ? new Date(ctx.now.getTime() + hours * HOUR) : undefined;
  return { page: revealPage(ctx, id, secret, 'rotated', graceEnds), noStore: true };
};

export const ping: ActionHandler = async (ctx, deps, _form, id) => {
  const attempt = await requireNotifier(deps).ping(id);
  return { redirect: href(ctx, `/endpoints/${encodeURIComponent(id)}`, { ping: attempt.deliveryId }) };
};

export const enableEndpoint: ActionHandler = async (ctx, deps, _form, id) => {
  await requireNotifier(deps).enableEndpoint(id);
  return { redirect: href(ctx, `/endpoints/${encodeURIComponent(id)}`, { done: 'enabled' }) };
};

export const disableEndpoint: ActionHandler = async (ctx, deps, _form, id) => {
  await requireNotifier(deps).updateEndpoint(id, { enabled: false });
  return { redirect: href(ctx, `/endpoints/${encodeURIComponent(id)}`, { done: 'disabled' }) };
};

export const deleteEndpoint: ActionHandler = async (ctx, deps, _form, id) => {
  const removed = await requireNotifier(deps).removeEndpoint(id);
  if (!removed)
    throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', 'There is no endpoint with this id', { field: 'id' });
  return { redirect: href(ctx, '/endpoints', { done: 'deleted' }) };
};
