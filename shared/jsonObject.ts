/**
 * JSON read from disk or the wire that is checked field by field next: the
 * object it holds, or null when the text is not JSON or not an object.
 */

/** `text` parsed as a JSON object (see the module comment), or null. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}
