/**
 * ROUTER routing ids to peers (RFC 28 §"The ROUTER socket type"), looked up by the bytes of the id
 * frame. A Map keyed by `id.toString()` made a string per message sent; hashing the bytes does not.
 */

interface Entry<V> {
  readonly id: Uint8Array;
  value: V;
}

/** Byte-string keyed map; keys are copied in, lookups allocate nothing. */
export class RoutingTable<V> {
  // A bucket holds every entry whose id hashes alike (almost always one).
  private readonly buckets = new Map<number, Entry<V>[]>();

  get(id: Uint8Array): V | undefined {
    return this.entryOf(id)?.value;
  }

  has(id: Uint8Array): boolean {
    return this.entryOf(id) !== undefined;
  }

  set(id: Uint8Array, value: V): void {
    const entry = this.entryOf(id);
    if (entry !== undefined) {
      entry.value = value;
      return;
    }
    const hash = hashOf(id);
    const bucket = this.buckets.get(hash);
    const fresh: Entry<V> = { id: Uint8Array.from(id), value };
    if (bucket === undefined) this.buckets.set(hash, [fresh]);
    else bucket.push(fresh);
  }

  delete(id: Uint8Array): void {
    const hash = hashOf(id);
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) return;
    const index = bucket.findIndex((entry) => sameBytes(entry.id, id));
    if (index < 0) return;
    bucket.splice(index, 1);
    if (bucket.length === 0) this.buckets.delete(hash);
  }

  private entryOf(id: Uint8Array): Entry<V> | undefined {
    const bucket = this.buckets.get(hashOf(id));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) if (sameBytes(bucket[i]!.id, id)) return bucket[i];
    return undefined;
  }
}

/** FNV-1a over the bytes, as a small integer Map key. */
function hashOf(id: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id[i]!, 0x01000193);
  return hash >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
