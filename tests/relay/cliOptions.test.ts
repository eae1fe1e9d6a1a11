import { describe, expect, it } from 'vitest';
import { readCliOptions } from '../../relay/cli/cliOptions';

describe('readCliOptions', () => {
  it.each([
    ['a value after its option', ['--relay', 'http://b', '--token', 'abc'], { relay: 'http://b', token: 'abc' }],
    ['a token that starts with a dash (one base64url token in 64)', ['--token', '-ru0rBoo', '--out', 'b.tar'], { token: '-ru0rBoo', out: 'b.tar' }],
    ['a token that is all dashes', ['--token', '--'], { token: '--' }],
    ['the --name=value form', ['--token=-x', '--out=b.tar'], { token: '-x', out: 'b.tar' }],
    ['an option not given', ['--out', 'b.tar'], { out: 'b.tar' }],
  ])('reads %s', (_what, argv, expected) => {
    expect({ ...readCliOptions(argv, ['relay', 'token', 'out']) }).toEqual(expected);
  });

  it.each([
    ['an unknown option', ['--tokn', 'abc'], /Unknown option '--tokn'/],
    ['an option with no value after it', ['--out'], /argument missing/],
  ])('refuses %s', (_what, argv, message) => {
    expect(() => readCliOptions(argv, ['relay', 'token', 'out'])).toThrow(message);
  });
});
