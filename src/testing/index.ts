export { FakeClock, flushPromises } from './fake-clock.js';
export type { MockReply, MockResponder, MockTransportOptions, RecordedRequest } from './mock-transport.js';
export { MockTransport } from './mock-transport.js';
export type { StorageFactory, StorageSuiteOptions } from './storage-suite.js';
export { testStorage } from './storage-suite.js';
