import { describe, expect, it } from 'vitest';
import { readConfig } from '../../relay/config';
import { resolveLimits } from '../../relay/limits';

describe('readConfig: limits from the environment', () => {
  it.each([
    ['TALLY_MAX_CONNECTIONS_PER_USER', '5', 'maxConnectionsPerUser', 5],
    ['TALLY_MAX_REFUSALS_PER_MINUTE', '7', 'maxRefusalsPerMinute', 7],
  ] as const)('reads %s', (name, raw, key, value) => {
    expect(readConfig({ [name]: raw }).limits[key]).toBe(value);
  });

  it('refuses a limit that is not a non-negative integer, naming it', () => {
    expect(() => readConfig({ TALLY_MAX_CONNECTIONS_PER_USER: 'lots' })).toThrow(/TALLY_MAX_CONNECTIONS_PER_USER must be a non-negative integer/);
  });

  it('lets a user hold 20 connections unless told otherwise', () => {
    expect(resolveLimits(readConfig({}).limits).maxConnectionsPerUser).toBe(20);
  });
});
