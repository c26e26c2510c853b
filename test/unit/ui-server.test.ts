import { describe, expect, it } from 'vitest';
import { sameToken } from '../../functions/ui/api.js';
import { allowedHosts, isLoopbackHost } from '../../functions/ui/ui-server.js';

describe('sameToken', () => {
  it('is true for the same token only, whatever the lengths', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken('', 'abc')).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['192.168.1.5', false],
    ['127.0.0.1.evil.example', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('allowedHosts', () => {
  it('accepts the address it listens on and localhost, with the port', () => {
    expect(allowedHosts('127.0.0.1', 8080)).toEqual(['127.0.0.1:8080', 'localhost:8080']);
    expect(allowedHosts('::1', 9000)).toEqual(['[::1]:9000', 'localhost:9000']);
  });

  it('on every interface, also accepts this machine loopback address with the port', () => {
    const hosts = allowedHosts('0.0.0.0', 8080);
    expect(hosts).toContain('127.0.0.1:8080');
    expect(hosts.every((host) => host.endsWith(':8080'))).toBe(true);
  });
});
