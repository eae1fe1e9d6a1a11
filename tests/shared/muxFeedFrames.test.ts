import { describe, expect, it } from 'vitest';
import {
  MalformedFrameError,
  readMuxFrame,
  writeChangedFrame,
  writeFetchFrame,
  writeStatesFrame,
  writeWatchAddFrame,
  writeWatchFrame,
} from '../../shared/protocol/muxMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('fetch, states, watch, watchAdd and changed frames', () => {
  it.each([
    ['a fetch of one document', writeFetchFrame(1, [{ doc: 'a', stateVector: hex('00') }]), '0a 01 01 01 61 01 00'],
    ['an empty fetch', writeFetchFrame(300, []), '0a ac 02 00'],
    [
      'a states frame of two documents, the last one',
      writeStatesFrame(1, [
        { doc: 'a', update: hex('00 00') },
        { doc: 'b', update: hex('') },
      ], true),
      '0b 01 02 01 61 02 00 00 01 62 00 01',
    ],
    ['a states frame that is not the last', writeStatesFrame(2, [], false), '0b 02 00 00'],
    ['a fetchSummarized of one document', writeFetchFrame(1, [{ doc: 'a', stateVector: hex('00') }], true), '12 01 01 01 61 01 00'],
    [
      'a summarizedStates frame: a summary with its state vector, and a document without',
      writeStatesFrame(1, [
        { doc: 'a', update: hex('00 00'), summary: '{}', stateVector: hex('00') },
        { doc: 'b', update: hex('00 00') },
      ], true, true),
      '13 01 02 01 61 02 00 00 02 7b 7d 01 00 01 62 02 00 00 00 00 01',
    ],
    ['a watch of two names', writeWatchFrame(['a', 'b']), '0c 02 01 61 01 62'],
    ['an empty watch (none)', writeWatchFrame([]), '0c 00'],
    ['a watchAdd of two names', writeWatchAddFrame(['a', 'b']), '11 02 01 61 01 62'],
    ['a changed naming one document', writeChangedFrame(['a']), '0d 01 01 61'],
  ])('writes %s as the grammar says', (_what, bytes, expected) => {
    expect(toHex(bytes)).toBe(expected);
  });

  it.each([
    ['fetch', '0a 01 01 01 61 01 00', { type: 'fetch', requestId: 1, docs: [{ doc: 'a', stateVector: hex('00') }] }],
    [
      'states',
      '0b 01 02 01 61 02 00 00 01 62 00 01',
      { type: 'states', requestId: 1, docs: [{ doc: 'a', update: hex('00 00') }, { doc: 'b', update: hex('') }], last: true },
    ],
    ['states not last', '0b 02 00 00', { type: 'states', requestId: 2, docs: [], last: false }],
    ['fetchSummarized', '12 01 01 01 61 01 00', { type: 'fetch', requestId: 1, docs: [{ doc: 'a', stateVector: hex('00') }], summaries: true }],
    [
      'summarizedStates',
      '13 01 01 01 61 02 00 00 02 7b 7d 01 00 00',
      { type: 'states', requestId: 1, docs: [{ doc: 'a', update: hex('00 00'), summary: '{}', stateVector: hex('00') }], last: false, summarized: true },
    ],
    ['watch', '0c 02 01 61 01 62', { type: 'watch', docs: ['a', 'b'] }],
    ['watchAdd', '11 01 01 63', { type: 'watchAdd', docs: ['c'] }],
    ['changed', '0d 01 01 61', { type: 'changed', docs: ['a'] }],
  ])('reads %s', (_what, bytes, frame) => {
    expect(readMuxFrame(hex(bytes))).toEqual(frame);
  });

  it.each([
    ['a fetch without its state vector', '0a 01 01 01 61'],
    ['a fetch counting more documents than it carries', '0a 01 02 01 61 01 00'],
    ['a fetch whose count could never fit the frame', '0a 01 ff ff ff ff 0f'],
    ['a states frame without its last flag', '0b 01 00'],
    ['a states frame whose last flag is neither 0 nor 1', '0b 01 00 02'],
    ['a summarizedStates document without its state vector', '13 01 01 01 61 02 00 00 02 7b 7d 01'],
    ['a watch with a truncated name', '0c 01 05 61 62'],
    ['a watchAdd counting more names than it carries', '11 02 01 61'],
    ['trailing bytes after a changed frame', '0d 01 01 61 00'],
  ])('refuses %s as malformed', (_what, bytes) => {
    expect(() => readMuxFrame(hex(bytes))).toThrow(MalformedFrameError);
  });
});
