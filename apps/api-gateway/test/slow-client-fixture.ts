// Test fixture: a WebSocket client that subscribes to every batch, prints READY once subscribed, and is
// then frozen by the test (SIGSTOP) so it stops reading, like a hung browser tab.
const [url] = process.argv.slice(2);
if (!url) throw new Error('usage: slow-client-fixture <ws url>');
const ws = new WebSocket(url);
ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
ws.onmessage = (e) => {
  const msg = JSON.parse(String(e.data)) as { type: string };
  if (msg.type === 'subscribed') console.log('READY');
};
ws.onclose = (e) => {
  console.log(`CLOSED ${e.code} ${e.reason}`);
  process.exit(0);
};
