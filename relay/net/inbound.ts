/**
 * The first checks every inbound WebSocket message passes, for both
 * endpoints: binary only, within the size limit. Returns the bytes, or the
 * close code to use. And the close code for a message a room could not read.
 */
import type { RawData } from 'ws';
import { CloseCode, type CloseInfo } from '../../shared/protocol/closeCodes';
import { UnknownMessageTypeError } from './ywsCodec';

export type InboundCheck = { ok: true; bytes: Uint8Array } | { ok: false; close: CloseInfo; detail: string };

export function checkInbound(data: RawData, isBinary: boolean, maxMessageBytes: number): InboundCheck {
  if (!isBinary) return { ok: false, close: CloseCode.malformed, detail: 'text frame; the protocol is binary' };
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.byteLength > maxMessageBytes) {
    return { ok: false, close: CloseCode.tooLarge, detail: `${buf.byteLength} bytes > ${maxMessageBytes}` };
  }
  return { ok: true, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/** The close code for an error a room threw while reading a message: an unknown type, or bytes that do not decode. */
export function closeInfoForUnreadable(err: unknown): CloseInfo {
  return err instanceof UnknownMessageTypeError ? CloseCode.unknownType : CloseCode.malformed;
}
