/**
 * The record model: what a receipt or count sheet is, how it is written, read
 * and derived. Everything outside shared/model imports from here; the raw Y
 * types of a record stay inside.
 */
export * from './ids';
export {
  RecordRoot,
  RELAY_ONLY_ROOTS,
  DEVICE_ROOTS,
  RecordKind,
  RecordFields,
  FIELD_NAMES,
  isFieldName,
  isFieldOf,
  recordDocName,
  recordIdOfDocName,
  type ReceiptField,
  type CountField,
  type FieldName,
} from './recordLayout';
export * from './entry';
export { parseEntry, tryParseEntry, InvalidEntryError } from './parseEntry';
export { createAuthor, type Author, type CreateAuthorOptions } from './author';
export { createReceipt, createCountSheet, type NewReceipt, type NewCountSheet } from './createRecord';
export * from './recordWriters';
export { setField, type FieldStart } from './setField';
export * from './readRecord';
export { compareEntries, byId, duplicateIds, uniqueEntries } from './entryOrder';
export * from './reversals';
export * from './receivedByItem';
export * from './currentCounts';
export * from './fieldConflicts';
export * from './siteDocs';
export * from './siteCsv';
export * from './recordIndexRow';
export * from './userNames';
export * from './siteSettings';
