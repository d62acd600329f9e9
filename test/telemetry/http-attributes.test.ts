import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { errorType, httpErrorType, httpTarget } from '../../src/telemetry/http-attributes.js';

const response = (status: number) => ({ status, headers: {}, body: '', bodyTruncated: false, durationMs: 1 });

describe('HTTP attributes of a request', () => {
  it('name the URL without credentials, query or fragment', () => {
    const target = httpTarget({ url: 'https://user:s3cret@api.example.com/v1/charge?api_key=k3y#frag' });
    expect(target).toMatchObject({
      method: 'POST',
      address: 'api.example.com',
      port: 443,
      scheme: 'https',
      safeUrl: 'https://api.example.com/v1/charge',
    });
    expect(target?.spanAttributes).toEqual({
      'http.request.method': 'POST',
      'server.address': 'api.example.com',
      'server.port': 443,
      'url.full': 'https://api.example.com/v1/charge',
      'url.scheme': 'https',
    });
  });

  it('give the default port of the scheme, an explicit one as given, and IPv6 without brackets', () => {
    expect(httpTarget({ url: 'http://example.com/x', method: 'get' })).toMatchObject({
      port: 80,
      method: 'GET',
    });
    expect(httpTarget({ url: 'http://127.0.0.1:8080/x' })).toMatchObject({
      address: '127.0.0.1',
      port: 8080,
    });
    expect(httpTarget({ url: 'http://[::1]:9000/' })).toMatchObject({
      address: '::1',
      port: 9000,
      safeUrl: 'http://[::1]:9000/',
    });
  });

  it('are null for a URL that does not parse', () => {
    expect(httpTarget({ url: 'not a url' })).toBeNull();
  });
});

describe('error.type', () => {
  it('is the status code of a 4xx or 5xx answer and nothing for a success or redirect', () => {
    expect(httpErrorType(response(503), null)).toBe('503');
    expect(httpErrorType(response(404), null)).toBe('404');
    expect(httpErrorType(response(204), null)).toBeUndefined();
    expect(httpErrorType(response(302), null)).toBeUndefined();
  });

  it('is the cronhook code of a failure to get an answer, _OTHER for anything else', () => {
    expect(httpErrorType(null, new CronhookError('ERR_TIMEOUT', 'slow'))).toBe('ERR_TIMEOUT');
    expect(errorType(Object.assign(new Error('x'), { code: 'ERR_DNS' }))).toBe('ERR_DNS');
    expect(errorType(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('_OTHER');
    expect(errorType('boom')).toBe('_OTHER');
  });
});
