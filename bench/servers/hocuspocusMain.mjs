/**
 * Child-process entry point for the Hocuspocus anchor: the smallest server the
 * Hocuspocus docs show with the SQLite extension, in its stock configuration.
 * Plain JavaScript so that it starts with plain node, as a site would run it.
 * Env: PORT, HOCUSPOCUS_DB; HOCUSPOCUS_BROADCAST=1 (the fan-out workload only)
 * adds `POST /broadcast?seq=<n>`: each document's `broadcastStateless` of
 * `{"seq":n}` to its connections, which stores and replays nothing.
 */
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';

const port = Number(process.env.PORT ?? 1234);
const database = process.env.HOCUSPOCUS_DB ?? 'hocuspocus.sqlite';

/** The fan-out trigger: Hocuspocus 4's stateless broadcast, to every connection of every document. */
const broadcastOnRequest = {
  async onRequest({ request, response, instance }) {
    if (request.method !== 'POST' || !request.url?.startsWith('/broadcast?seq=')) return;
    const seq = Number(new URL(request.url, 'http://hocuspocus.invalid').searchParams.get('seq'));
    for (const document of instance.documents.values()) document.broadcastStateless(JSON.stringify({ seq }));
    response.end(JSON.stringify({ seq }));
    // Rejecting without an error is how a hook tells Hocuspocus the request is answered.
    throw null;
  },
};

const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database }), ...(process.env.HOCUSPOCUS_BROADCAST === '1' ? [broadcastOnRequest] : [])],
});
await server.listen();
console.log(`hocuspocus listening on 127.0.0.1:${port}, storing in ${database}`);
