/**
 * WebSocket close codes the relay uses, defined once. Clients show `reason`;
 * tests assert `code`. 4xxx mirrors the HTTP status it resembles.
 */
export const CloseCode = {
  malformed: { code: 4400, reason: 'malformed message' },
  unauthorized: { code: 4401, reason: 'missing or invalid token' },
  forbidden: { code: 4403, reason: 'not allowed' },
  badDocName: { code: 4404, reason: 'invalid document name' },
  slowConsumer: { code: 4408, reason: 'client stopped reading' },
  tooLarge: { code: 4413, reason: 'message or document too large' },
  unknownType: { code: 4415, reason: 'unknown message type' },
  tooManyDocs: { code: 4429, reason: 'too many open documents on one connection' },
  tooManyConnections: { code: 4430, reason: 'too many connections for this user' },
  loadFailed: { code: 4500, reason: 'document could not be loaded; try again' },
  shuttingDown: { code: 1001, reason: 'relay shutting down' },
  internalError: { code: 1011, reason: 'the relay could not admit this connection; try again' },
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseInfo = (typeof CloseCode)[CloseCodeName];

/** Looks up the name of a close code, for logs and client messages. */
export function closeCodeName(code: number): CloseCodeName | undefined {
  for (const [name, info] of Object.entries(CloseCode)) {
    if (info.code === code) return name as CloseCodeName;
  }
  return undefined;
}
