import type { SendOptions, Transport, TransportRequest, TransportResponse } from '../transport/types.js';
import type { CallingWork } from './hooks.js';

/**
 * Sends `request` through `transport`, inside a client span of `work` when telemetry is on (`work` not null):
 * the span starts just before the request goes out (with `traceparent` set when `propagate`) and ends when the
 * answer, or the failure, is in. Without `work` it is the transport's own call: no promise of ours between.
 */
export function tracedSend(
  transport: Transport,
  request: TransportRequest,
  options: SendOptions,
  work: CallingWork | null,
  propagate: boolean,
): Promise<TransportResponse> {
  return work === null
    ? transport.send(request, options)
    : sendInSpan(transport, request, options, work, propagate);
}

async function sendInSpan(
  transport: Transport,
  request: TransportRequest,
  options: SendOptions,
  work: CallingWork,
  propagate: boolean,
): Promise<TransportResponse> {
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
