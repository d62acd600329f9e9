import type { SendOptions, Transport, TransportRequest, TransportResponse } from '../transport/types.js';
import type { CallingWork } from './hooks.js';

/**
 * Sends `request` through `transport`, inside a client span of `work` when telemetry is on (`work` not null):
 * the span starts just before the request goes out (with `traceparent` set when `propagate`) and ends when the
 * answer, or the failure, is in.
 */
export async function tracedSend(
  transport: Transport,
  request: TransportRequest,
  options: SendOptions,
  work: CallingWork | null,
  propagate: boolean,
): Promise<TransportResponse> {
  if (work === null) return transport.send(request, options);
  const call = work.http(request, propagate);
  let response: TransportResponse;
  try {
    response = await transport.send(request, options);
  } catch (error) {
    call.end(null, error);
    throw error;
  }
  call.end(response, null);
  return response;
}
