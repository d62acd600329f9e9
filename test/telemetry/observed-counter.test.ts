import { describe, expect, it } from 'vitest';
import { observedCounter } from '../../src/telemetry/observed-counter.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

function meterOf() {
  const otel = createTestTelemetry();
  cleanups.push(() => otel.shutdown());
  return { otel, meter: otel.meterProvider.getMeter('test') };
}

describe('observedCounter', () => {
  it('reports each series its total when collected, its attributes made once', async () => {
    const { otel, meter } = meterOf();
    const counter = observedCounter(meter, 'test.count', { unit: '{thing}' });
    let made = 0;
    const attributes = (kind: string) => () => {
      made++;
      return { kind };
    };
    for (let i = 0; i < 3; i++) counter.add(['x'], attributes('x'));
    counter.add(['y'], attributes('y'));
    expect(await otel.sum('test.count', { kind: 'x' })).toBe(3);
    expect(await otel.sum('test.count', { kind: 'y' })).toBe(1);
    counter.add(['x'], attributes('x'));
    expect(await otel.sum('test.count', { kind: 'x' })).toBe(4);
    expect(made).toBe(2);
    const [metric] = (await otel.metrics()).filter((m) => m.descriptor.name === 'test.count');
    expect(metric?.descriptor.unit).toBe('{thing}');
  });

  it('is one counter per meter and name, shared by everyone counting to it', async () => {
    const { otel, meter } = meterOf();
    observedCounter(meter, 'test.count', {}).add(['x'], () => ({ kind: 'x' }));
    observedCounter(meter, 'test.count', {}).add(['x'], () => ({ kind: 'x' }));
    expect(await otel.points('test.count')).toHaveLength(1);
    expect(await otel.sum('test.count', { kind: 'x' })).toBe(2);
  });

  it('past 1,999 series counts new ones in one otel.metric.overflow series; known ones keep counting', async () => {
    const { otel, meter } = meterOf();
    const counter = observedCounter(meter, 'test.count', {});
    for (let i = 0; i < 2_002; i++) counter.add(['k', `${i}`], () => ({ id: `k${i}` }));
    counter.add(['k', '0'], () => ({ id: 'k0' }));
    counter.add(['k', '1998'], () => ({ id: 'k1998' }));
    // 2,000 series in all: the SDK's default cardinality limit, so it folds none of them itself.
    expect(await otel.points('test.count')).toHaveLength(2_000);
    expect(await otel.sum('test.count', { 'otel.metric.overflow': true })).toBe(3);
    expect(await otel.sum('test.count', { id: 'k0' })).toBe(2);
    expect(await otel.sum('test.count', { id: 'k1998' })).toBe(2);
    expect(await otel.sum('test.count', { id: 'k1999' })).toBe(0);
  });
});
