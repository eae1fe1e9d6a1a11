import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, phoneLink, plainHttpNotice } from '../../relay/http/lanNotice';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://localhost:8080', true],
    ['http://127.0.0.1:8080', true],
    ['https://[::1]:8443', true],
    ['http://192.168.1.20:8080', false],
    ['https://tally.site.lan', false],
  ])('%s is loopback: %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });
});

describe('phoneLink', () => {
  it.each<[string, string[], string | undefined]>([
    ['the LAN address, not localhost', ['http://localhost:8080/enrol#code=x', 'http://192.168.1.20:8080/enrol#code=x'], 'http://192.168.1.20:8080/enrol#code=x'],
    ['the https LAN address when TLS is on', ['https://localhost:8443/e', 'https://10.0.0.5:8443/e'], 'https://10.0.0.5:8443/e'],
    ['a LAN address listed before localhost', ['https://10.0.0.5:8443/e', 'https://localhost:8443/e'], 'https://10.0.0.5:8443/e'],
    ['localhost when the box has no LAN address', ['http://localhost:8080/e'], 'http://localhost:8080/e'],
    ['nothing for no links', [], undefined],
  ])('%s', (_name, links, expected) => {
    expect(phoneLink(links)).toBe(expected);
  });
});

describe('plainHttpNotice', () => {
  it.each<[string, string[], boolean]>([
    ['plain http on a LAN address', ['http://localhost:8080', 'http://192.168.1.20:8080'], true],
    ['TLS on', ['https://localhost:8443', 'https://192.168.1.20:8443'], false],
    ['only this machine', ['http://localhost:8080'], false],
    ['a host name given with HOST', ['http://127.0.0.1:8080'], false],
  ])('%s: warns %s', (_name, urls, warns) => {
    expect(plainHttpNotice(urls) !== null).toBe(warns);
  });

  it('names the address and what to set', () => {
    const text = plainHttpNotice(['http://localhost:8080', 'http://192.168.1.20:8080']) ?? '';
    expect(text).toContain('http://192.168.1.20:8080');
    expect(text).not.toContain('localhost');
    expect(text).toContain('TALLY_TLS=self-signed');
    expect(text).toContain('TALLY_TLS_CERT');
  });
});
