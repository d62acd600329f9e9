import { isCronhookError } from '../../errors.js';
import type { Logger } from '../../index.js';

/** The status and message an error is answered with; internal errors say nothing of their details. */
export function describeError(
  error: unknown,
  logger: Logger | undefined,
): { status: number; message: string } {
  if (isCronhookError(error)) {
    const code = error.code;
    if (code === 'ERR_UNAUTHORIZED')
      return { status: 401, message: 'You are not signed in to this dashboard.' };
    if (code === 'ERR_FORBIDDEN') return { status: 403, message: error.message };
    if (code === 'ERR_RATE_LIMITED') return { status: 429, message: error.message };
    if (code === 'ERR_NOT_FOUND' || code.endsWith('_NOT_FOUND'))
      return { status: 404, message: error.message };
    if (code === 'ERR_INVALID_REQUEST')
      return { status: error.field === 'body' ? 413 : 400, message: error.message };
    if (code.startsWith('ERR_INVALID_')) return { status: 400, message: error.message };
    // Another instance (or an attempt's result) kept changing the same record: nothing was written.
    if (code === 'ERR_CONCURRENT_CHANGE')
      return {
        status: 409,
        message:
          'It was being changed elsewhere at the same time, so nothing was saved. Reload the page and try again.',
      };
    if (code === 'ERR_STOPPED')
      return { status: 503, message: 'The service is stopping; try again in a moment.' };
  }
  logger?.error?.('cronhook dashboard: request failed', {
    code: isCronhookError(error) ? error.code : 'ERR_INTERNAL',
    message: error instanceof Error ? error.message : String(error),
  });
  const code = isCronhookError(error) ? ` (${error.code})` : '';
  return { status: 500, message: `Something went wrong on the server${code}. The details are in its log.` };
}
