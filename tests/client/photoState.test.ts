import { describe, expect, it } from 'vitest';
import type { StoredFile, TakenPhoto } from '../../client/app/lib/photos/MediaStore';
import { photoStateOf, photoStateText, uploadTrouble } from '../../client/app/lib/photos/photoState';
import { spaceIsLow } from '../../client/app/lib/photos/storageSpace';

const photo: TakenPhoto = { id: 'p', thumbId: 't', recordId: 'R-1', bytes: 900, thumbBytes: 100, width: 2048, height: 1536, at: 1, failure: null };
const file = (id: string, role: StoredFile['role'], onRelay: boolean): StoredFile => ({ id, role, blob: null, bytes: role === 'photo' ? 900 : 100, onRelay, at: 1 });
const files = (thumbOnRelay: boolean, photoOnRelay: boolean) =>
  new Map([
    ['p', file('p', 'photo', photoOnRelay)],
    ['t', file('t', 'thumb', thumbOnRelay)],
  ]);

describe('photoStateOf', () => {
  it.each([
    ['nothing sent yet', photo, files(false, false), null, null, 'on this device'],
    ['waiting after a cut link', photo, files(false, false), null, 'the relay could not be reached', 'on this device (the relay could not be reached)'],
    ['its thumbnail going', photo, files(false, false), { id: 't', sent: 50 }, null, 'sending 5%'],
    ['the photo going, thumbnail done', photo, files(true, false), { id: 'p', sent: 450 }, null, 'sending 55%'],
    ['every byte sent, the relay not answered yet', photo, files(true, false), { id: 'p', sent: 900 }, null, 'sending 99%'],
    ['another photo going', photo, files(true, false), { id: 'other', sent: 450 }, null, 'on this device'],
    ['only the thumbnail on the relay', photo, files(true, false), null, null, 'on this device'],
    ['both on the relay', photo, files(true, true), null, null, 'on the relay'],
    ['both on the relay after a refusal was cleared elsewhere', { ...photo, failure: 'x' }, files(true, true), null, null, 'on the relay'],
    ['refused', { ...photo, failure: 'photo refused: not a JPEG, PNG or WebP' }, files(true, false), null, null, 'failed: photo refused: not a JPEG, PNG or WebP'],
  ] as const)('%s', (_what, p, f, sending, note, expected) => {
    expect(photoStateText(photoStateOf(p, f, sending, note))).toBe(expected);
  });
});

describe('uploadTrouble', () => {
  it.each([
    [null, '', 'retry', 'the relay could not be reached'],
    [0, '', 'retry', 'the relay could not be reached'],
    [401, 'missing or invalid token (Authorization: Bearer <token>)\n', 'refused', "the relay does not accept this device's sign-in (missing or invalid token (Authorization: Bearer <token>))"],
    [403, 'a auditor may read photos but not upload them', 'refused', 'a auditor may read photos but not upload them'],
    [413, 'this photo is 25.0 MiB; the relay takes photos of at most 20.0 MiB', 'refused', 'this photo is 25.0 MiB; the relay takes photos of at most 20.0 MiB'],
    [422, 'photo refused: the bytes do not hash to the declared sha256', 'refused', 'photo refused: the bytes do not hash to the declared sha256'],
    [400, '', 'refused', 'the relay refused the photo (400)'],
    [404, 'Not Found', 'retry', 'Not Found'],
    [409, '', 'retry', 'the relay answered 409'],
    [423, '', 'retry', 'the relay answered 423'],
    [500, 'the upload failed on the relay', 'retry', 'the upload failed on the relay'],
    [507, "the relay's disk is full: the photo stays on the device and is sent again later", 'retry', "the relay's disk is full: the photo stays on the device and is sent again later"],
  ] as const)('%s %j', (status, body, kind, reason) => {
    expect(uploadTrouble(status, body)).toEqual({ kind, reason });
  });
});

describe('spaceIsLow', () => {
  const MB = 1024 * 1024;
  it.each([
    ['the browser does not say', {}, false],
    ['a zero quota', { usage: 0, quota: 0 }, false],
    ['plenty left', { usage: 100 * MB, quota: 10_000 * MB }, false],
    ['less than 200 MB free', { usage: 850 * MB, quota: 1_000 * MB }, true],
    ['more than 80% used of a big quota', { usage: 8_100 * MB, quota: 10_000 * MB }, true],
    ['80% used exactly', { usage: 8_000 * MB, quota: 10_000 * MB }, false],
  ])('%s', (_what, estimate, expected) => {
    expect(spaceIsLow(estimate)).toBe(expected);
  });
});
