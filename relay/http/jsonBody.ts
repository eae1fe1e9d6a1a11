/**
 * Request bodies of the JSON API, read as untrusted input: anything that is
 * not a JSON object of the expected field types is refused with 400 and a
 * reason (never a TypeError and a 500).
 */
import type http from 'node:http';
import { isDeviceId, type DeviceId } from '../../shared/model/ids';
import { HttpError } from './HttpError';

/** Largest body the API reads. */
export const MAX_BODY_BYTES = 16 * 1024;

/** A parsed body: a JSON object whose fields are still unchecked. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Reads the body as a JSON object (an empty body is `{}`); 413 when too large, 400 when not a JSON object. */
export async function readJsonObject(req: http.IncomingMessage): Promise<JsonObject> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return parseJsonObject(Buffer.concat(chunks).toString('utf8'));
}

/** Parses `text` as a JSON object (empty text is `{}`); 400 otherwise. */
export function parseJsonObject(text: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError(400, `body must be a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  }
  return json as JsonObject;
}

/** `body[field]` as a non-empty string; 400 when missing or not one. */
export function requiredString(body: JsonObject, field: string): string {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (value === undefined || value === null) throw new HttpError(400, `${field} is required`);
  if (typeof value !== 'string') throw new HttpError(400, `${field} must be a string, got ${typeOf(value)}`);
  if (value.length === 0) throw new HttpError(400, `${field} must not be empty`);
  return value;
}

/** `body[field]` as a device id, or null when absent; 400 when present but not a device id. */
export function optionalDeviceId(body: JsonObject, field: string): DeviceId | null {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (value === undefined || value === null) return null;
  if (!isDeviceId(value)) throw new HttpError(400, `${field} must be a device id (1-64 of A-Z a-z 0-9 . _ -), got ${typeOf(value)}`);
  return value;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value;
}
