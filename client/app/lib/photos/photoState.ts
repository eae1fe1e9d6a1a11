/**
 * What a photo taken on this device shows: on this device, sending n%, on
 * the relay, or failed with the relay's reason. Pure: derived from the
 * queue's rows, the stored files and the upload in progress.
 */
import type { StoredFile, TakenPhoto } from './MediaStore';

/** A photo's state, as its badge says it. */
export type PhotoState =
  | { readonly kind: 'device'; /** Why the last try did not finish, when it did not (a retry follows). */ readonly note: string | null }
  | { readonly kind: 'sending'; readonly percent: number }
  | { readonly kind: 'relay' }
  | { readonly kind: 'failed'; readonly reason: string };

/** Bytes of one file the upload in progress has sent. */
export interface FileProgress {
  readonly id: string;
  readonly sent: number;
}

/** The state of `photo`, given its stored files, the upload in progress and the last try's note. */
export function photoStateOf(photo: TakenPhoto, files: ReadonlyMap<string, StoredFile>, sending: FileProgress | null, note: string | null): PhotoState {
  const full = files.get(photo.id);
  const thumb = files.get(photo.thumbId);
  if (full?.onRelay && thumb?.onRelay) return { kind: 'relay' };
  if (photo.failure) return { kind: 'failed', reason: photo.failure };
  if (sending && (sending.id === photo.id || sending.id === photo.thumbId)) {
    const total = photo.bytes + photo.thumbBytes;
    const done = (thumb?.onRelay ? photo.thumbBytes : 0) + (full?.onRelay ? photo.bytes : 0) + sending.sent;
    return { kind: 'sending', percent: Math.min(99, Math.floor((done / Math.max(1, total)) * 100)) };
  }
  return { kind: 'device', note };
}

/** The state in words, e.g. "sending 40%". */
export function photoStateText(state: PhotoState): string {
  switch (state.kind) {
    case 'device':
      return state.note ? `on this device (${state.note})` : 'on this device';
    case 'sending':
      return `sending ${state.percent}%`;
    case 'relay':
      return 'on the relay';
    case 'failed':
      return `failed: ${state.reason}`;
  }
}

/** The outcome of one upload attempt that did not finish. */
export type UploadTrouble = { readonly kind: 'retry'; readonly reason: string } | { readonly kind: 'refused'; readonly reason: string };

/**
 * What an upload's failure means: a refusal the relay will repeat (4xx: the
 * photo is marked failed, with the relay's words) or something a later try
 * may get past (no network, a relay restart, a full disk, a lock).
 * `status` is null when no answer arrived.
 */
export function uploadTrouble(status: number | null, body: string): UploadTrouble {
  const said = body.trim().replace(/\s+/g, ' ').slice(0, 300);
  if (status === null || status === 0) return { kind: 'retry', reason: 'the relay could not be reached' };
  if (status === 401) return { kind: 'refused', reason: `the relay does not accept this device's sign-in${said ? ` (${said})` : ''}` };
  // Gone (the relay removed a stale upload: the next try starts it again), timeouts, locks and conflicts pass.
  if ([404, 408, 409, 410, 423, 429].includes(status)) return { kind: 'retry', reason: said || `the relay answered ${status}` };
  if (status >= 400 && status < 500) return { kind: 'refused', reason: said || `the relay refused the photo (${status})` };
  return { kind: 'retry', reason: said || `the relay answered ${status}` };
}
