import {
  type CheckedRequest,
  type CheckedSender,
  headerValueAt,
  type ResponseTarget,
} from '../../../transport/checked-sender.js';
import { checkedSender } from '../../../transport/http.js';
import type { Transport, TransportRequest } from '../../../transport/types.js';
import type { EndpointRecord } from '../../types.js';

/**
 * The headers an attempt signs (see signatureHeaders), whose values change from attempt to attempt; read by name
 * in CheckedEndpointRequest.headersOf, in this order.
 */
const SIGNED_HEADERS = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hub-signature-256',
] as const;

type SignedHeader = (typeof SIGNED_HEADERS)[number];

/** A message id that is a valid header value (as the transport checks values: no line break, no NUL). */
const LINE_BREAK = /[\r\n\0]/;

/**
 * One endpoint's webhook request as the transport checked it, with where its signed headers' values are in
 * its flat header list: an attempt's request is this one with those values (and the body) of its own.
 */
export class CheckedEndpointRequest {
  readonly checked: CheckedRequest;
  /** Where each of SIGNED_HEADERS' values is in `checked.headers` (-1: not sent). */
  readonly #at: number[];

  constructor(checked: CheckedRequest) {
    this.checked = checked;
    this.#at = SIGNED_HEADERS.map((name) => headerValueAt(checked.headers, name));
  }

  /**
   * The headers of an attempt whose signed headers are `signed` (as signatureHeaders set them): a copy of the
   * checked ones with those values in place. Null when that attempt does not send the same signed headers
   * (its request is then built and checked as any), or its message id is not a valid header value.
   */
  headersOf(signed: Readonly<Partial<Record<SignedHeader, string>>>): string[] | null {
    const id = signed['webhook-id'];
    if (id === undefined) return null;
    // A message is sent to its endpoints in a row: its id is checked once for all of them.
    if (id !== lastValidId) {
      if (LINE_BREAK.test(id)) return null;
      lastValidId = id;
    }
    const headers = this.checked.headers.slice();
    const at = this.#at;
    // By name, one site each, in SIGNED_HEADERS' order: a read keyed by a name taken from the list was one
    // site for four names, a megamorphic lookup each.
    const same =
      placed(headers, at[0]!, id) &&
      placed(headers, at[1]!, signed['webhook-timestamp']) &&
      placed(headers, at[2]!, signed['webhook-signature']) &&
      placed(headers, at[3]!, signed['x-hub-signature-256']);
    return same ? headers : null;
  }
}

/** The last message id {@link CheckedEndpointRequest.headersOf} found a valid header value. */
let lastValidId = '';

/**
 * Puts a signed header's `value` at its place `at` in `headers` (-1: not sent); false when the attempt sends
 * it and the checked request does not, or the other way round.
 */
function placed(headers: string[], at: number, value: string | undefined): boolean {
  if ((value === undefined) !== at < 0) return false;
  if (value !== undefined) headers[at] = value;
  return true;
}

/**
 * Webhook requests checked by the transport once per endpoint record instead of on every attempt: an
 * endpoint's URL, its own and authorization headers, timeout and destination policy are the same for all its
 * attempts, and only the signed headers' values and the body (the message) change, which the notifier makes
 * valid. Only for records that cannot change, in-process storage's own (`peekEndpoints`: a write makes a new
 * record), and for an HttpTransport whose `send` is its own; an attempt under telemetry (its trace headers are
 * set on the request) is sent as before.
 */
export class EndpointRequests {
  readonly #sender: CheckedSender;
  /** By record: a peeked record never changes, and its entry goes with it. */
  readonly #requests = new WeakMap<Readonly<EndpointRecord>, CheckedEndpointRequest | null>();

  private constructor(sender: CheckedSender) {
    this.#sender = sender;
  }

  /** Checked requests through `transport`, or null when it is not one to send them (see the class). */
  static through(transport: Transport): EndpointRequests | null {
    const sender = checkedSender(transport);
    return sender === null ? null : new EndpointRequests(sender);
  }

  /** The checked request of `endpoint` made before (see {@link of}); undefined: not made yet. */
  known(endpoint: Readonly<EndpointRecord>): CheckedEndpointRequest | null | undefined {
    return this.#requests.get(endpoint);
  }

  /**
   * The checked request of `endpoint` (a peeked record), made from `request()` (throws as building any
   * attempt's request would) the first time, when that attempt's message id is a valid header value. Null when
   * that request does not pass the transport's check: each attempt then builds its request and `send` rejects
   * it as it would any.
   */
  of(
    endpoint: Readonly<EndpointRecord>,
    messageId: string,
    request: () => TransportRequest,
  ): CheckedEndpointRequest | null {
    const known = this.#requests.get(endpoint);
    if (known !== undefined) return known;
    // Made from a request whose only fault could be its message's: not kept for the endpoint.
    if (LINE_BREAK.test(messageId)) return null;
    const built = request();
    let checked: CheckedEndpointRequest | null;
    try {
      checked = new CheckedEndpointRequest(this.#sender.check(built));
    } catch {
      checked = null;
    }
    this.#requests.set(endpoint, checked);
    return checked;
  }

  /**
   * Sends `request` with `headers` (see CheckedEndpointRequest.headersOf) and `body`, under `signal`; tells
   * `target` how it ends (see ResponseTarget).
   */
  send(
    request: CheckedEndpointRequest,
    headers: string[],
    body: string,
    signal: AbortSignal | undefined,
    target: ResponseTarget,
  ): void {
    this.#sender.send(request.checked, headers, signal, null, true, body, target);
  }
}
