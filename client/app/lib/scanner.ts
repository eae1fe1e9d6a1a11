/**
 * Barcode detection from the camera: the browser's BarcodeDetector where it
 * exists, else the ZXing WebAssembly polyfill. The polyfill's wasm is bundled
 * with the app (and precached by the service worker) instead of fetched from
 * a CDN, so camera scanning works in a dead zone too.
 */

/** What the app needs of a detector. */
export interface Detector {
  detect(source: ImageBitmapSource): Promise<ReadonlyArray<{ rawValue: string; format: string }>>;
}

/** Formats found on warehouse labels. */
export const FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'code_39', 'code_93', 'itf', 'codabar', 'qr_code', 'data_matrix'];

interface DetectorClass {
  new (options?: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

/** True when this browser can show a camera at all (it needs a secure context: https or localhost). */
export function hasCamera(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

let polyfill: Promise<Detector> | null = null;

/** A detector: native when the browser has one that reads our formats, else the bundled polyfill. */
export async function createDetector(): Promise<Detector> {
  const Native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (Native) {
    try {
      const supported = await Native.getSupportedFormats();
      const formats = FORMATS.filter((f) => supported.includes(f));
      if (formats.length > 0) return new Native({ formats });
    } catch {
      // Some builds expose the class without a working backend; the polyfill always works.
    }
  }
  polyfill ??= loadPolyfill();
  return polyfill;
}

async function loadPolyfill(): Promise<Detector> {
  const [{ BarcodeDetector, prepareZXingModule }, { default: wasmUrl }] = await Promise.all([
    import('barcode-detector/ponyfill'),
    import('zxing-wasm/reader/zxing_reader.wasm?url'),
  ]);
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
    },
  });
  return new BarcodeDetector({ formats: FORMATS as never[] }) as unknown as Detector;
}
