// `testStorage` lives in `cronhook/testing/storage`: it registers vitest tests, so it imports vitest, and this
// entry must load without it (FakeClock and MockTransport serve any test runner).
export { FakeClock, flushPromises } from './fake-clock.js';
export type { MockReply, MockResponder, MockTransportOptions, RecordedRequest } from './mock-transport.js';
export { MockTransport } from './mock-transport.js';
