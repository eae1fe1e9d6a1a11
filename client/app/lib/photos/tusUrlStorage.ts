/**
 * tus-js-client's URL storage in IndexedDB (through the MediaStore) instead
 * of its default, localStorage, which is small, shared with the rest of the
 * app, and missing in workers. An upload's URL is kept from its creation to
 * its end, so a photo cut off halfway, by a reload or a relay restart,
 * resumes from the offset the relay has.
 */
import type { PreviousUpload, UrlStorage } from 'tus-js-client';
import type { MediaStore } from './MediaStore';

/** The URL storage of `store`. */
export function tusUrlStorage(store: MediaStore): UrlStorage {
  const all = async (): Promise<PreviousUpload[]> => (await store.uploads()).map((row) => ({ ...(row.upload as unknown as PreviousUpload), urlStorageKey: row.key }));
  return {
    findAllUploads: all,
    async findUploadsByFingerprint(fingerprint) {
      return (await store.uploads()).filter((row) => row.fingerprint === fingerprint).map((row) => ({ ...(row.upload as unknown as PreviousUpload), urlStorageKey: row.key }));
    },
    removeUpload: (key) => store.deleteUpload(key),
    async addUpload(fingerprint, upload) {
      const key = `${fingerprint}::${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      await store.putUpload({ key, fingerprint, upload: { ...upload } as unknown as Record<string, unknown> });
      return key;
    },
  };
}
