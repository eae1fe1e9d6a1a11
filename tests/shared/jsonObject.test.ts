/** JSON read from disk or the wire, before its fields are checked: the object, or null. */
import { describe, expect, it } from 'vitest';
import { parseJsonObject } from '../../shared/jsonObject';

describe('parseJsonObject', () => {
  it.each([
    ['an object', '{"seq":3,"user":"ana"}', { seq: 3, user: 'ana' }],
    ['an empty object', '{}', {}],
    ['not JSON', '{"seq":3', null],
    ['a torn line', '{"seq":3,"us', null],
    ['null', 'null', null],
    ['a number', '42', null],
    ['a string', '"{}"', null],
    ['empty text', '', null],
  ])('%s', (_name, text, parsed) => {
    expect(parseJsonObject(text)).toEqual(parsed);
  });
});
