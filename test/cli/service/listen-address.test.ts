import { describe, expect, it } from 'vitest';
import { hostNamesLoopback, parseListenAddress } from '../../../src/cli/service/listen-address.js';

describe('--metrics / --health address', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    [':9464', { host: '127.0.0.1', port: 9464 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['metrics.internal:80', { host: 'metrics.internal', port: 80 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
  ])('reads %s', (text, expected) => {
    expect(parseListenAddress(text, 'metrics')).toEqual(expected);
  });

  it.each(['', 'abc', '127.0.0.1', '127.0.0.1:70000', '::1:9464', 'http://127.0.0.1:9464'])(
    'refuses %j, naming the flag',
    (text) => {
      expect(() => parseListenAddress(text, 'health')).toThrow(/--health is .*expected \[host:\]port/);
    },
  );
});

describe('Host headers that name this machine', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['127.1.2.3', true],
    ['localhost:8080', true],
    ['LocalHost', true],
    ['api.localhost:3000', true],
    ['[::1]:8080', true],
    ['evil.example:8080', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:80', false],
    ['10.0.0.5:8080', false],
    ['[::ffff:7f00:1]:80', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (header, expected) => {
    expect(hostNamesLoopback(header)).toBe(expected);
  });
});
