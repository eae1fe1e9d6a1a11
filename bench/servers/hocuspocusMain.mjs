/**
 * Child-process entry point for the Hocuspocus anchor: the smallest server the
 * Hocuspocus docs show with the SQLite extension, in its stock configuration.
 * Plain JavaScript so that it starts with plain node, as a site would run it.
 * Env: PORT, HOCUSPOCUS_DB.
 */
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';

const port = Number(process.env.PORT ?? 1234);
const database = process.env.HOCUSPOCUS_DB ?? 'hocuspocus.sqlite';

const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database })],
});
await server.listen();
console.log(`hocuspocus listening on 127.0.0.1:${port}, storing in ${database}`);
