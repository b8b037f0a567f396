// A raw ZMTP 3.0 subscriber in a process of its own, for telling how many reads a publisher's messages
// took (a reader in the publisher's own process cannot read while the publisher's turn runs).
// Usage: bun raw-sub-fixture.ts <endpoint>. Prints READY once connected, then `READ <messages so far>`
// for every read that brought bytes.
import { RawPeer } from './raw-peer.ts';

const endpoint = process.argv[2];
if (!endpoint) throw new Error('usage: raw-sub-fixture.ts <endpoint>');
const peer = await RawPeer.connect(endpoint);
peer.handshake('SUB', 0);
// A 3.0 subscription: a message of 0x01 and the prefix ('' = everything).
peer.write(Buffer.from([0x00, 0x01, 0x01]));
let reads = 0;
setInterval(() => {
  if (peer.reads === reads) return;
  reads = peer.reads;
  const messages = peer.items.filter((item) => item.kind === 'frame' && (item.flags & 0x04) === 0);
  console.log(
    `READ ${reads} ${messages.map((m) => (m.kind === 'frame' ? m.body.toString() : '')).join(',')}`,
  );
}, 1);
console.log('READY');
