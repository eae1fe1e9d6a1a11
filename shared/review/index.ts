/**
 * The review map: devices propose, the relay decides (PRODUCT.md rule 5).
 * Pure rules over plain data, plus `reviewMap.ts` to copy the state into the
 * record's `review` Y.Map.
 */
export * from './reviewEntries';
export * from './transitions';
export * from './ReviewState';
export { type Actor, refuseEntry } from './stateUpdates';
export * from './decide';
export * from './resolve';
export * from './openConflict';
export * from './replay';
export * from './reviewMap';
export * from './shownField';
export * from './editField';
