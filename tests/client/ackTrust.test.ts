/** Which stored acknowledgements a document keeps on the relay it is connected to (client/sync/ackTrust.ts). */
import { describe, expect, it } from 'vitest';
import { ackTrust } from '../../client/sync/ackTrust';

describe('ackTrust', () => {
  it.each([
    ['acks of this store are kept', { ackedChangeNo: 5, ackedBy: 'A', relayStore: 'A' }, { ackedChangeNo: 5, ackedBy: 'A', dropped: false }],
    ['acks of another store (a restore) are dropped', { ackedChangeNo: 5, ackedBy: 'A', relayStore: 'B' }, { ackedChangeNo: 0, ackedBy: 'B', dropped: true }],
    ['acks of an unknown store (before identities) are dropped', { ackedChangeNo: 5, ackedBy: null, relayStore: 'B' }, { ackedChangeNo: 0, ackedBy: 'B', dropped: true }],
    ['not told the store yet (offline, or before status): kept', { ackedChangeNo: 5, ackedBy: 'A', relayStore: null }, { ackedChangeNo: 5, ackedBy: 'A', dropped: false }],
    ['a relay that never tells: kept as before', { ackedChangeNo: 5, ackedBy: null, relayStore: null }, { ackedChangeNo: 5, ackedBy: null, dropped: false }],
    ['nothing acknowledged yet: nothing dropped, later acks are this store\'s', { ackedChangeNo: 0, ackedBy: 'A', relayStore: 'B' }, { ackedChangeNo: 0, ackedBy: 'B', dropped: false }],
    ['nothing acknowledged, unknown store: adopts this one', { ackedChangeNo: 0, ackedBy: null, relayStore: 'B' }, { ackedChangeNo: 0, ackedBy: 'B', dropped: false }],
    ['one ack of another store is enough to drop', { ackedChangeNo: 1, ackedBy: 'A', relayStore: 'B' }, { ackedChangeNo: 0, ackedBy: 'B', dropped: true }],
  ] as const)('%s', (_what, input, expected) => {
    expect(ackTrust(input)).toEqual(expected);
  });

  it('never keeps an ack of a store other than the connected one, once it is known', () => {
    const stores = [null, 'A', 'B'] as const;
    for (const ackedBy of stores) {
      for (const relayStore of stores) {
        for (const ackedChangeNo of [0, 1, 7]) {
          const out = ackTrust({ ackedChangeNo, ackedBy, relayStore });
          if (relayStore !== null && out.ackedChangeNo > 0) expect(out.ackedBy).toBe(relayStore);
          expect(out.ackedChangeNo === ackedChangeNo || (out.dropped && out.ackedChangeNo === 0)).toBe(true);
        }
      }
    }
  });
});
