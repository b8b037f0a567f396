/**
 * Subscription trie (RFC 29 §"Subscription matching"): byte-prefix keys, each holding the set of
 * subscribers (pipes on a publisher) that asked for it. Matching walks the message's first frame once.
 */

interface Node<K> {
  children: Map<number, Node<K>> | undefined;
  keys: Set<K> | undefined;
}

const newNode = <K>(): Node<K> => ({ children: undefined, keys: undefined });

/** Prefix trie mapping topic prefixes to subscriber sets. */
export class SubscriptionTrie<K> {
  private readonly root: Node<K> = newNode();
  private prefixes = 0;

  /** Number of distinct prefixes with at least one subscriber. */
  get size(): number {
    return this.prefixes;
  }

  /** Adds `key` under `prefix`; true when the prefix had no subscriber before. */
  add(prefix: Uint8Array, key: K): boolean {
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const byte = prefix[i]!;
      node.children ??= new Map();
      let child = node.children.get(byte);
      if (child === undefined) {
        child = newNode();
        node.children.set(byte, child);
      }
      node = child;
    }
    const fresh = node.keys === undefined || node.keys.size === 0;
    node.keys ??= new Set();
    node.keys.add(key);
    if (fresh) this.prefixes++;
    return fresh;
  }

  /** Removes `key` from `prefix`; true when the prefix now has no subscriber left. */
  remove(prefix: Uint8Array, key: K): boolean {
    const path: Node<K>[] = [this.root];
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const child = node.children?.get(prefix[i]!);
      if (child === undefined) return false;
      node = child;
      path.push(node);
    }
    if (node.keys === undefined || !node.keys.delete(key)) return false;
    if (node.keys.size > 0) return false;
    node.keys = undefined;
    this.prefixes--;
    this.prune(path, prefix);
    return true;
  }

  /** Removes `key` everywhere, calling `gone` with each prefix that lost its last subscriber. */
  removeKey(key: K, gone?: (prefix: Buffer) => void): void {
    const emptied: Buffer[] = [];
    this.eachNode((node, bytes) => {
      if (node.keys?.delete(key) === true && node.keys.size === 0) {
        node.keys = undefined;
        this.prefixes--;
        emptied.push(Buffer.from(bytes));
      }
    });
    for (const prefix of emptied) {
      this.pruneAlong(prefix);
      gone?.(prefix);
    }
  }

  /** Calls `visit` once for each subscriber with a prefix of `data`. */
  match(data: Uint8Array, visit: (key: K) => void): void {
    // Most messages match one node; a dedupe set is only needed once a second node matches.
    let first: Set<K> | undefined;
    let seen: Set<K> | undefined;
    let node: Node<K> | undefined = this.root;
    for (let i = 0; ; i++) {
      const keys = node.keys;
      if (keys !== undefined) {
        if (first === undefined) {
          first = keys;
          // forEach, not for-of: a Set iterator per published message was the publisher's only garbage.
          keys.forEach(visit);
        } else {
          seen ??= new Set(first);
          for (const key of keys) {
            if (seen.has(key)) continue;
            seen.add(key);
            visit(key);
          }
        }
      }
      if (i >= data.length || node.children === undefined) return;
      node = node.children.get(data[i]!);
      if (node === undefined) return;
    }
  }

  /** True when any prefix of `data` has a subscriber. */
  matches(data: Uint8Array): boolean {
    let node: Node<K> | undefined = this.root;
    for (let i = 0; ; i++) {
      if (node.keys !== undefined) return true;
      if (i >= data.length || node.children === undefined) return false;
      node = node.children.get(data[i]!);
      if (node === undefined) return false;
    }
  }

  /** Every prefix with at least one subscriber. */
  prefixesOf(): Buffer[] {
    const out: Buffer[] = [];
    this.eachNode((node, bytes) => {
      if (node.keys !== undefined) out.push(Buffer.from(bytes));
    });
    return out;
  }

  /** Visits every node depth-first with the prefix bytes leading to it (reused: copy what you keep). */
  private eachNode(visit: (node: Node<K>, bytes: number[]) => void): void {
    const walk = (node: Node<K>, bytes: number[]): void => {
      visit(node, bytes);
      if (node.children === undefined) return;
      for (const [byte, child] of node.children) {
        bytes.push(byte);
        walk(child, bytes);
        bytes.pop();
      }
    };
    walk(this.root, []);
  }

  private pruneAlong(prefix: Uint8Array): void {
    const path: Node<K>[] = [this.root];
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const child = node.children?.get(prefix[i]!);
      if (child === undefined) return;
      node = child;
      path.push(node);
    }
    this.prune(path, prefix);
  }

  // Drops empty leaves bottom-up so long-gone topics do not keep memory.
  private prune(path: Node<K>[], prefix: Uint8Array): void {
    for (let i = path.length - 1; i > 0; i--) {
      const node = path[i]!;
      if (node.keys !== undefined || (node.children !== undefined && node.children.size > 0)) return;
      const parent = path[i - 1]!;
      parent.children?.delete(prefix[i - 1]!);
      if (parent.children?.size === 0) parent.children = undefined;
    }
  }
}
