import { describe, expect, it } from 'vitest';
import { bodyText } from '../../src/transport/body-text.js';

describe('bodyText', () => {
  it('decodes each body as UTF-8, whether it repeats the one before, differs in the same length, or is long', () => {
    const bodies = ['ok', 'ok', 'no', 'ok', '', 'é✓', 'é✓', 'x'.repeat(65), 'x'.repeat(65), 'ok'];
    expect(bodies.map((text) => bodyText(Buffer.from(text)))).toEqual(bodies);
  });

  it('is not changed by what the transport later writes into a buffer it read', () => {
    const buffer = Buffer.from('ok');
    expect(bodyText(buffer)).toBe('ok');
    buffer.write('no');
    expect(bodyText(buffer)).toBe('no');
    expect(bodyText(Buffer.from('ok'))).toBe('ok');
  });
});
