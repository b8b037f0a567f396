// Child process for the stale-ipc test: listens on a unix socket path, says so, and waits to be killed.
const path = process.argv[2];
if (path === undefined) throw new Error('usage: stale-ipc-fixture.ts <socket path>');
Bun.listen({ unix: path, socket: { data() {} } });
console.log('listening');
