export type { ConfigEndpoint, CronhookConfig } from './cli/config.js';
export type { Clock, ClockTimer } from './clock.js';
export { MAX_TIMER_DELAY_MS, systemClock } from './clock.js';
export type { CronhookErrorCode, CronhookErrorOptions, ErrorInfo } from './errors.js';
export { CronhookError, isCronhookError } from './errors.js';
export type { Emitter, ErrorEventPayload, ListenerOptions } from './events.js';
export type { ReplayOptions } from './notifier/delivery/delivery-log.js';
export type { RotateSecretOptions } from './notifier/endpoints/secret-rotation.js';
export type { NotifierEventSource, WebhookNotifierOptions } from './notifier/options.js';
export { DEFAULT_RETRY_SCHEDULE } from './notifier/options.js';
export type { SignatureHeaders } from './notifier/signing/signatures.js';
export { generateSecret } from './notifier/signing/signatures.js';
export type * from './notifier/types.js';
export { WebhookNotifier } from './notifier/webhook-notifier.js';
export { normalizeSchedule, parseDuration } from './schedule/normalize.js';
export { nextOccurrence } from './schedule/schedule.js';
export type * from './schedule/types.js';
export type { ClaimLoopHealth, SchedulerHealth } from './scheduler/health.js';
export type { SchedulerOptions } from './scheduler/options.js';
export type { RequestRunOptions, WaitForRunOptions } from './scheduler/runs/cluster/run-requests.js';
export { Scheduler } from './scheduler/scheduler.js';
export type * from './scheduler/types.js';
export type { EncryptedStorageOptions } from './storage/encryption/encrypted-storage.js';
export { EncryptedStorage } from './storage/encryption/encrypted-storage.js';
export { generateEncryptionKey } from './storage/encryption/encryption-keys.js';
export type { ReencryptResult } from './storage/encryption/reencrypt.js';
export { fanoutDeliveries } from './storage/fanout.js';
export type { JobStorage } from './storage/job-storage.js';
export { MemoryStorage } from './storage/memory/index.js';
export type { OutboxStorage } from './storage/outbox-storage.js';
export type * from './storage/types.js';
export type {
  MeterProviderLike,
  NotifierTelemetryOptions,
  SchedulerTelemetryOptions,
  TelemetryProviders,
  TracerProviderLike,
} from './telemetry/options.js';
export type { TraceContext } from './telemetry/trace-context.js';
export type { AddressClass, AddressRange, CompiledAddressPolicy } from './transport/guard/address-guard.js';
export { classifyAddress, compileAddressPolicy, isBlockedAddress } from './transport/guard/address-guard.js';
export type { HttpTransportOptions } from './transport/http.js';
export { HttpTransport } from './transport/http.js';
export type { HiddenUrlPart } from './transport/safe-url.js';
export type * from './transport/types.js';
export type * from './verify/webhook-events.js';
export { VERSION } from './version.js';
