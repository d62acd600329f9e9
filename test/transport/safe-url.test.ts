import { describe, expect, it } from 'vitest';
import { hiddenUrlParts, safeUrl } from '../../src/transport/safe-url.js';

describe('safeUrl', () => {
  it.each([
    ['https://svc:Sup3rSecret@api.example.com/charge?api_key=k#frag', 'https://api.example.com/charge'],
    ['https://user@api.example.com/', 'https://api.example.com/'],
    ['http://api.example.com:8080/a/b?x=1', 'http://api.example.com:8080/a/b'],
    ['https://api.example.com:443', 'https://api.example.com/'],
    ['http://[::1]:3000/hook?token=t', 'http://[::1]:3000/hook'],
    ['HTTPS://API.Example.COM/Path', 'https://api.example.com/Path'],
    ['https://api.example.com/p%3Ftoken=t', 'https://api.example.com/p%3Ftoken=t'],
  ])('%s -> %s (no userinfo, query or fragment)', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
    expect(safeUrl(new URL(url))).toBe(expected);
  });

  it('gives the origin only with { path: false }', () => {
    expect(safeUrl('https://u:p@hooks.example.com:8443/services/T0/B0/XYZ?x=1', { path: false })).toBe(
      'https://hooks.example.com:8443',
    );
  });

  it('never echoes what is not an http(s) URL: nothing can tell where its secrets are', () => {
    for (const text of [
      'not a url?token=SECRET',
      'ftp://u:p@x.example.com/?t=1',
      'javascript:alert(1)',
      '',
    ]) {
      expect(safeUrl(text)).toBe('');
    }
    expect(safeUrl(42 as unknown as string)).toBe('');
  });
});

describe('hiddenUrlParts', () => {
  it('names what safeUrl leaves out, in URL order', () => {
    expect(hiddenUrlParts('https://svc:pw@api.example.com/charge?api_key=k#top')).toEqual([
      'credentials',
      'query',
      'fragment',
    ]);
    expect(hiddenUrlParts('https://token@api.example.com/')).toEqual(['credentials']);
    expect(hiddenUrlParts(new URL('http://127.0.0.1:8080/in?x=1'))).toEqual(['query']);
    expect(hiddenUrlParts('https://api.example.com/charge')).toEqual([]);
    expect(hiddenUrlParts('not a url')).toEqual([]);
    expect(hiddenUrlParts('ftp://user:pw@files.example.com/?q')).toEqual([]);
  });
});
