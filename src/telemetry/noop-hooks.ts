import type { AttemptHook, DeliveryHook, HttpCallHook, MessageHook, RunHook } from './hooks.js';

/**
 * Hooks that do nothing, handed out while neither an SDK's tracer nor its meter is registered (the API is
 * installed but unused): a run or delivery then costs one check, and no span, context or attribute is made.
 */
const call: HttpCallHook = { end() {} };
const within = <T>(fn: () => T): T => fn();

export const NOOP_ATTEMPT: AttemptHook = { within, http: () => call, end() {} };
export const NOOP_RUN: RunHook = { within, attempt: () => NOOP_ATTEMPT, end() {} };
export const NOOP_MESSAGE: MessageHook = { traceContext: null, end() {} };
export const NOOP_DELIVERY: DeliveryHook = { within, http: () => call, end() {} };
