import { describe, expect, it } from 'vitest';
import { jobDefinitionFromFlags } from '../../src/cli/job-flags.js';
import type { HttpTarget } from '../../src/scheduler/types.js';

// How `cronhook jobs add` flags become a job target (the real binary is exercised in jobs.test.ts).

describe('cronhook jobs add --body', () => {
  const flags = (...args: string[]) => {
    const values: Record<string, string | string[] | boolean> = { every: '1h', url: 'https://a.example/x' };
    for (let i = 0; i < args.length; i += 2) {
      const [name, value] = [args[i]!, args[i + 1]!];
      values[name] = name === 'header' ? [...((values.header as string[]) ?? []), value] : value;
    }
    return jobDefinitionFromFlags(values).target as HttpTarget;
  };

  it('sends JSON as JSON: text that parses as JSON gets content-type application/json', () => {
    expect(flags('body', '{"full":true}')).toEqual({
      url: 'https://a.example/x',
      body: '{"full":true}',
      headers: { 'content-type': 'application/json' },
    });
    expect(flags('body', '[1,2]').headers).toEqual({ 'content-type': 'application/json' });
  });

  it('leaves other text to the text/plain default, and never overrides a --header content-type', () => {
    expect(flags('body', 'hello').headers).toBeUndefined();
    expect(flags('header', 'Content-Type: application/xml', 'body', '{"a":1}').headers).toEqual({
      'Content-Type': 'application/xml',
    });
  });
});
