/**
 * fast-check arbitraries for hostile input: values a caller could pass where cronhook takes user data (job
 * definitions, endpoint definitions, webhook requests). Each generator mixes well-formed values, near misses
 * and values of the wrong type, so a fuzz run reaches the deep checks as well as the first ones.
 */

export * from './arbitraries/config.js';
export * from './arbitraries/endpoints.js';
export * from './arbitraries/jobs.js';
export * from './arbitraries/schedules.js';
export * from './arbitraries/values.js';
export * from './arbitraries/webhooks.js';
