/**
 * Every span, attribute and metric name cronhook emits, in one place (docs/observability.md lists them with
 * their meaning). Names follow the OpenTelemetry semantic conventions where one exists: the stable HTTP
 * client conventions for job calls and deliveries, the messaging conventions for the outbox. Written out
 * rather than imported from `@opentelemetry/semantic-conventions`: the messaging names live in its unstable
 * "incubating" entry, and a library should not depend on it for a handful of strings.
 */

/** The instrumentation scope: the tracer's and the meter's name. */
export const SCOPE = 'cronhook';

/** Attribute names. */
export const ATTR = {
  // HTTP client (stable semantic conventions)
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  httpResendCount: 'http.request.resend_count',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlFull: 'url.full',
  urlScheme: 'url.scheme',
  errorType: 'error.type',
  // Messaging (the outbox)
  messagingSystem: 'messaging.system',
  messagingOperationName: 'messaging.operation.name',
  messagingOperationType: 'messaging.operation.type',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  // cronhook's own
  jobId: 'cronhook.job.id',
  jobName: 'cronhook.job.name',
  jobSchedule: 'cronhook.job.schedule',
  jobHandler: 'cronhook.job.handler',
  runId: 'cronhook.run.id',
  runTrigger: 'cronhook.run.trigger',
  runScheduledAt: 'cronhook.run.scheduled_at',
  runLatenessMs: 'cronhook.run.lateness_ms',
  runStatus: 'cronhook.run.status',
  runAttempts: 'cronhook.run.attempts',
  runAttempt: 'cronhook.run.attempt',
  errorCode: 'cronhook.error.code',
  requestType: 'cronhook.request.type',
  endpointId: 'cronhook.endpoint.id',
  deliveryId: 'cronhook.delivery.id',
  deliveryAttempt: 'cronhook.delivery.attempt',
  deliveryTrigger: 'cronhook.delivery.trigger',
  deliveryOutcome: 'cronhook.delivery.outcome',
  disabledReason: 'cronhook.endpoint.disabled_reason',
  messageDeliveries: 'cronhook.message.deliveries',
} as const;

/** Metric names. */
export const METRIC = {
  httpDuration: 'http.client.request.duration',
  runDuration: 'cronhook.run.duration',
  runLateness: 'cronhook.run.lateness',
  runs: 'cronhook.runs',
  deliveryAttempts: 'cronhook.delivery.attempts',
  outboxDepth: 'cronhook.outbox.depth',
  outboxOldestAge: 'cronhook.outbox.oldest_age',
  endpointsDisabled: 'cronhook.endpoints.disabled',
  jobsFailing: 'cronhook.jobs.failing',
} as const;

/** `messaging.system` of the outbox's spans. */
export const MESSAGING_SYSTEM = 'cronhook';

/** The boundaries the HTTP semantic conventions advise for `http.client.request.duration`, in seconds. */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** Run durations, in seconds: from a quick handler (5 ms) to an hour-long batch job. */
export const RUN_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];
/**
 * Lateness of a run's start behind its scheduled time, in seconds (manual runs are not recorded): on time is
 * a few milliseconds; past a minute an occurrence counts as missed (catch-up runs start later still, and
 * carry their trigger).
 */
export const LATENESS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
