export { FakeClock, flushPromises } from './fake-clock.js';
export type { MockReply, MockResponder, MockTransportOptions, RecordedRequest } from './mock-transport.js';
export { MockTransport } from './mock-transport.js';
