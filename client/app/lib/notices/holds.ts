/**
 * Quality holds as the device applies them, offline included: which holds
 * are active (placed and not released) and whether a line's goods are held.
 * Pure functions over plain data, so screens derive a flag at display time
 * from whatever holds the device knows, and the rules are tested as a table.
 */
import type { HoldNotice, NoticeBody } from '../../../../shared/model/notice';

/** A hold in force on this device. */
export interface ActiveHold {
  /** The hold's seq; null for a hold placed on this device and not yet on the relay. */
  readonly seq: number | null;
  readonly item: string;
  readonly lot: string;
  /** Only stock in these bins is held (absent: the lot wherever it is). */
  readonly bins?: readonly string[];
  readonly text: string;
  readonly user: string;
  readonly at: number;
}

/** What a line, count or scan is about. */
export interface HeldGoodsQuery {
  /** Every code the item goes by (SKU, barcode): a hold may name either. */
  readonly items: readonly string[];
  /** The lot recorded (receipts); absent for a count, which records no lot. */
  readonly lot?: string | undefined;
  /** The bin (counts). */
  readonly bin?: string | undefined;
}

/** A notice as the device keeps it, enough to derive holds. */
export interface HoldSource {
  readonly seq: number;
  readonly at: number;
  readonly user: string;
  readonly body: NoticeBody;
}

/** A notice issued on this device that the relay has not stored yet. */
export interface PendingBody {
  readonly at: number;
  readonly user: string;
  readonly body: NoticeBody;
}

/**
 * The holds in force: every stored hold not released by a stored release or
 * by a release still waiting on this device, plus holds still waiting on this
 * device (which apply at once, before the relay has them). Oldest first.
 */
export function activeHolds(notices: readonly HoldSource[], pending: readonly PendingBody[] = []): ActiveHold[] {
  const released = new Set<number>();
  for (const n of [...notices, ...pending]) if (n.body.kind === 'release') released.add(n.body.hold);
  const holds: ActiveHold[] = [];
  for (const n of notices) if (n.body.kind === 'hold' && !released.has(n.seq)) holds.push(toHold(n.seq, n.body, n));
  for (const p of pending) if (p.body.kind === 'hold') holds.push(toHold(null, p.body, p));
  return holds;
}

/**
 * The first hold that covers `query`, or null. The item must be one the
 * hold names. With a lot, the lot must be the hold's (and a hold on some
 * bins covers a line in one of them or a line with no bin). Without a lot (a
 * count), only a hold on named bins can say the counted stock is the held
 * lot, so it covers the query only in one of its bins. Names compare trimmed
 * and case-blind: a code typed by hand must not slip past a hold.
 */
export function holdOn(holds: readonly ActiveHold[], query: HeldGoodsQuery): ActiveHold | null {
  const items = new Set(query.items.map(norm).filter((i) => i !== ''));
  const lot = query.lot === undefined ? '' : norm(query.lot);
  const bin = query.bin === undefined ? '' : norm(query.bin);
  for (const hold of holds) {
    if (!items.has(norm(hold.item))) continue;
    const inBins = hold.bins !== undefined && bin !== '' && hold.bins.some((b) => norm(b) === bin);
    if (lot !== '') {
      if (norm(hold.lot) !== lot) continue;
      if (hold.bins !== undefined && bin !== '' && !inBins) continue;
      return hold;
    }
    if (inBins) return hold;
  }
  return null;
}

/** True when any of `goods` is held. */
export function anyHeld(holds: readonly ActiveHold[], goods: readonly HeldGoodsQuery[]): boolean {
  return holds.length > 0 && goods.some((g) => holdOn(holds, g) !== null);
}

/** "X-100 lot L-7" (and its bins), for messages. */
export function describeHold(hold: Pick<ActiveHold, 'item' | 'lot' | 'bins'>): string {
  const bins = hold.bins && hold.bins.length > 0 ? ` in ${hold.bins.join(', ')}` : '';
  return `${hold.item} lot ${hold.lot}${bins}`;
}

function toHold(seq: number | null, body: HoldNotice, by: { user: string; at: number }): ActiveHold {
  return { seq, item: body.item, lot: body.lot, ...(body.bins && { bins: body.bins }), text: body.text, user: by.user, at: by.at };
}

const norm = (s: string): string => s.trim().toLowerCase();

/** The goods a recorded line or count names, with every code its item goes by (`barcodeOf`: the item master's barcode of a SKU). */
export function goodsOf(entry: { item: string; lot?: string | undefined; bin?: string | undefined }, barcodeOf: (sku: string) => string | undefined = () => undefined): HeldGoodsQuery {
  const barcode = barcodeOf(entry.item);
  return { items: barcode === undefined ? [entry.item] : [entry.item, barcode], lot: entry.lot, bin: entry.bin };
}
