/**
 * The end clock of every client in a Yjs update (format v1), read by skipping
 * over the bytes without building any object: the load generator must follow
 * the state vectors of hundreds of devices, and `Y.parseUpdateMeta` decodes
 * every entry's content to do it (measured: most of the generator's CPU in the
 * catch-up). `selfCheck` in yupdates.ts compares it with Yjs.
 */

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  uint(): number {
    let num = 0;
    let mult = 1;
    for (;;) {
      const r = this.buf[this.pos++]!;
      if (r === undefined) throw new RangeError('update ends early');
      num += (r & 0x7f) * mult;
      if (r < 0x80) return num;
      mult *= 128;
    }
  }
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.buf.length) throw new RangeError('update ends early');
  }
  skipVarInt(): void {
    while (this.buf[this.pos++]! >= 0x80);
  }
  skipString(): void {
    this.skip(this.uint());
  }
  /** Length in UTF-16 code units of the next string (what Yjs counts for ContentString). */
  stringLength(): number {
    const bytes = this.uint();
    let units = 0;
    const end = this.pos + bytes;
    for (let i = this.pos; i < end; i++) {
      const b = this.buf[i]!;
      if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
    }
    this.pos = end;
    return units;
  }
  skipAny(): void {
    const tag = this.buf[this.pos++]!;
    switch (tag) {
      case 127: case 126: case 121: case 120: return;
      case 125: this.skipVarInt(); return;
      case 124: this.skip(4); return;
      case 123: case 122: this.skip(8); return;
      case 119: this.skipString(); return;
      case 118: {
        const n = this.uint();
        for (let i = 0; i < n; i++) {
          this.skipString();
          this.skipAny();
        }
        return;
      }
      case 117: {
        const n = this.uint();
        for (let i = 0; i < n; i++) this.skipAny();
        return;
      }
      case 116: this.skipString(); return;
      default: throw new RangeError(`unknown any tag ${tag}`);
    }
  }
}

/** Length (in clock ticks) of an item's content; advances past it. */
function contentLength(r: Reader, ref: number): number {
  switch (ref) {
    case 1: return r.uint(); // deleted
    case 2: { // JSON
      const n = r.uint();
      for (let i = 0; i < n; i++) r.skipString();
      return n;
    }
    case 3: r.skipString(); return 1; // binary
    case 4: return r.stringLength(); // string
    case 5: r.skipString(); return 1; // embed
    case 6: r.skipString(); r.skipString(); return 1; // format
    case 7: { // type
      const typeRef = r.uint();
      if (typeRef === 3 || typeRef === 5) r.skipString(); // XmlElement, XmlHook carry a name
      return 1;
    }
    case 8: { // any
      const n = r.uint();
      for (let i = 0; i < n; i++) r.skipAny();
      return n;
    }
    case 9: r.skipString(); r.skipAny(); return 1; // doc
    default: throw new RangeError(`unknown content ref ${ref}`);
  }
}

/**
 * Raises `into[client]` to the clock each client reaches with `update`.
 * Throws RangeError on bytes it cannot read.
 */
export function mergeUpdateEndClocks(update: Uint8Array, into: Map<number, number>): void {
  const r = new Reader(update);
  const clients = r.uint();
  for (let c = 0; c < clients; c++) {
    const structs = r.uint();
    const client = r.uint();
    let clock = r.uint();
    for (let s = 0; s < structs; s++) {
      const info = r.buf[r.pos++]!;
      const ref = info & 31;
      if (ref === 0 || ref === 10) {
        clock += r.uint(); // GC or Skip
        continue;
      }
      if (info & 0x80) { r.uint(); r.uint(); } // origin
      if (info & 0x40) { r.uint(); r.uint(); } // right origin
      if ((info & 0xc0) === 0) {
        if (r.uint() === 1) r.skipString(); // parent root type by key
        else { r.uint(); r.uint(); } // parent item id
        if (info & 0x20) r.skipString(); // parent sub (map key)
      }
      clock += contentLength(r, ref);
    }
    if ((into.get(client) ?? 0) < clock) into.set(client, clock);
  }
  // the delete set follows; it does not move any client's clock
}
