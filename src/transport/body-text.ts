/** Bodies up to this many bytes are compared with the last one before being decoded. */
const SHORT_BODY = 64;
const lastBytes = Buffer.alloc(SHORT_BODY);
let lastLength = -1;
let lastText = '';

/**
 * `body` (a response's only chunk) as UTF-8 text: the text decoded last when the bytes are the same. A receiver
 * answers a sender's requests with the same few bytes (`ok`, `{"received":true}`) time after time; comparing
 * them here costs less than a call into C++ to decode them and a string for each response, which the delivery
 * log then keeps per attempt as its snippet.
 */
export function bodyText(body: Buffer): string {
  const length = body.length;
  if (length > SHORT_BODY) return body.toString('utf8');
  if (length === lastLength) {
    let i = 0;
    while (i < length && body[i] === lastBytes[i]) i++;
    if (i === length) return lastText;
  }
  body.copy(lastBytes, 0, 0, length);
  lastLength = length;
  lastText = body.toString('utf8');
  return lastText;
}
