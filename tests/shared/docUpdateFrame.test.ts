import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import { writeDocFrame, writeDocUpdateFrame } from '../../shared/protocol/muxMessages';
import { syncMessage } from '../../shared/protocol/syncMessages';

describe('writeDocUpdateFrame', () => {
  // Lengths either side of each var-uint boundary of the update and of the message around it.
  it.each([0, 1, 2, 124, 125, 126, 127, 128, 16_380, 16_381, 16_383, 16_384, 70_000])('builds the bytes of a doc frame around a sync update of %i bytes', (length) => {
    const update = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
    expect(writeDocUpdateFrame('record:R-1', update)).toEqual(writeDocFrame('record:R-1', syncMessage(syncProtocol.messageYjsUpdate, update)));
  });
});
