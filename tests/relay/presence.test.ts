/**
 * Presence over `/sync/<doc>` from raw clients sending hand-encoded
 * awareness messages: a connection sets only its own awareness client's
 * state, within 8 KB and a rate; what is refused is never forwarded, the
 * socket stays open, and the relay warns once per kind, not once per message.
 * (A stock WebsocketProvider sharing presence: tests/relay/perDocEndpoint.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import {
  awarenessMessage,
  queryAwarenessMessage,
  readAwarenessMessage,
  readSync,
  type AwarenessEntryInput,
} from '../support/yMessages';
import { defaultPresenceLimits } from '../../relay/policy/presenceRefusal';
import { CloseCode } from '../../shared/protocol/closeCodes';

const DOC = 'record:presence';
const VICTIM = 1001;
const ATTACKER = 2002;
const WATCHER = 3003;
const FLOODER = 4004;

/** Every awareness entry `c` received, in order. */
const entriesSeen = (c: RawClient): AwarenessEntryInput[] => c.received.flatMap((m) => readAwarenessMessage(m) ?? []);
/** The states `c` knows of now, as a y-protocols client would hold them (a null state removes). */
function statesSeenBy(c: RawClient): Record<number, unknown> {
  const states: Record<number, unknown> = {};
  for (const e of entriesSeen(c)) {
    if (e.state === null) delete states[e.clientId];
    else states[e.clientId] = e.state;
  }
  return states;
}
/** Waits until `c` receives an awareness message with `clientId` in state `state`. */
const waitForState = (c: RawClient, clientId: number, state: unknown): Promise<true> =>
  c.waitFor((m) => (readAwarenessMessage(m)?.some((e) => e.clientId === clientId && JSON.stringify(e.state) === JSON.stringify(state)) ? true : undefined));
/** A JSON state of `bytes` bytes. */
const stateOfBytes = (bytes: number): { pad: string } => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

describe('presence on /sync/<doc>', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: RawClient[] = [];
  const providers: WebsocketProvider[] = [];
  const provider = (u: SiteUser): WebsocketProvider => {
    const p = new WebsocketProvider(t.wsUrl('/sync'), DOC, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token: u.token, device: `${u.name}-stock` },
      disableBc: true,
    });
    providers.push(p);
    return p;
  };
  const connect = async (u: SiteUser): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/sync/${DOC}?token=${u.token}&device=${u.name}-dev`));
    clients.push(c);
    // The relay's sync step 1 says the connection is subscribed to the document.
    await c.waitFor((m) => (readSync(m)?.syncType === 0 ? true : undefined));
    return c;
  };
  const presenceWarnings = (u: SiteUser, kind: string): unknown[] =>
    t.logs.filter((l) => l.level === 'warn' && l.msg === 'presence refused' && (l.obj as { conn: string; kind: string }).conn.startsWith(`${u.id}@`) && (l.obj as { kind: string }).kind === kind);

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it.each([
    ['an auditor', 'auditor'],
    ['a crew member', 'crew'],
  ] as const)("refuses %s's attempts to overwrite or remove another connection's presence", async (_who, role) => {
    const attackerUser = users[role];
    const victim = await connect(users.crew2);
    const watcher = await connect(users.supervisor);
    victim.send(awarenessMessage([{ clientId: VICTIM, clock: 1, state: { user: 'bob, dock 3' } }]));
    await waitForState(watcher, VICTIM, { user: 'bob, dock 3' });

    const attacker = await connect(attackerUser);
    attacker.send(awarenessMessage([{ clientId: VICTIM, clock: 5, state: { user: 'forged' } }]));
    attacker.send(awarenessMessage([{ clientId: ATTACKER, clock: 1, state: { user: 'attacker' } }]));
    attacker.send(awarenessMessage([{ clientId: VICTIM, clock: 6, state: null }]));
    attacker.send(awarenessMessage([{ clientId: ATTACKER, clock: 2, state: { user: 'attacker' } }, { clientId: VICTIM, clock: 7, state: { user: 'forged' } }]));
    attacker.send(awarenessMessage([{ clientId: ATTACKER, clock: 3, state: { user: 'attacker, done' } }]));
    // Each connection's messages are handled in order: by the last one, the forgeries were judged.
    await waitForState(watcher, ATTACKER, { user: 'attacker, done' });

    expect(entriesSeen(watcher).filter((e) => e.clientId === VICTIM).map((e) => e.state)).toEqual([{ user: 'bob, dock 3' }]);
    expect(statesSeenBy(watcher)).toEqual({ [VICTIM]: { user: 'bob, dock 3' }, [ATTACKER]: { user: 'attacker, done' } });
    expect(entriesSeen(victim).filter((e) => e.clientId === VICTIM).map((e) => e.state)).toEqual([{ user: 'bob, dock 3' }]);
    // A client arriving now is told the victim's own state.
    const late = await connect(users.supervisor);
    await waitForState(late, ATTACKER, { user: 'attacker, done' });
    expect(statesSeenBy(late)[VICTIM]).toEqual({ user: 'bob, dock 3' });
    // Three refused entries, one warn line; the attacker is still connected.
    expect(presenceWarnings(attackerUser, 'notOwnClient')).toHaveLength(1);
    expect(attacker.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses a 9 KB state and forwards a 7 KB one', async () => {
    const watcher = await connect(users.supervisor);
    const sender = await connect(users.crew);
    const nineKb = stateOfBytes(9 * 1024);
    const sevenKb = stateOfBytes(7 * 1024);
    sender.send(awarenessMessage([{ clientId: VICTIM, clock: 1, state: nineKb }]));
    sender.send(awarenessMessage([{ clientId: VICTIM, clock: 2, state: sevenKb }]));
    await waitForState(watcher, VICTIM, sevenKb);
    expect(entriesSeen(watcher).map((e) => JSON.stringify(e.state).length)).toEqual([7 * 1024]);
    expect(presenceWarnings(users.crew, 'stateTooLarge')).toHaveLength(1);
    expect(sender.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("forwards at most the rate's worth of a flood of 1,000 updates, and warns once", async () => {
    const { burst, perSecond } = defaultPresenceLimits;
    const watcher = await connect(users.supervisor);
    watcher.send(awarenessMessage([{ clientId: WATCHER, clock: 1, state: { user: 'sue' } }]));
    const flooder = await connect(users.crew);
    await waitForState(flooder, WATCHER, { user: 'sue' });

    const flood = Array.from({ length: 1000 }, (_, i) => awarenessMessage([{ clientId: FLOODER, clock: i + 1, state: { n: i + 1 } }]));
    const started = Date.now();
    // A query after the flood is answered (with both states) once the whole flood was handled.
    flooder.sendTogether([...flood, queryAwarenessMessage()]);
    await flooder.waitFor((m) => ((readAwarenessMessage(m)?.length ?? 0) >= 2 ? true : undefined));
    // The watcher's own query is answered after everything forwarded to it.
    watcher.send(queryAwarenessMessage());
    await watcher.waitFor((m) => ((readAwarenessMessage(m)?.length ?? 0) >= 2 ? true : undefined));
    const elapsedS = (Date.now() - started) / 1000;

    const forwarded = [...new Set(entriesSeen(watcher).filter((e) => e.clientId === FLOODER).map((e) => (e.state as { n: number }).n))];
    expect(forwarded.slice(0, burst)).toEqual(Array.from({ length: burst }, (_, i) => i + 1));
    expect(forwarded.length).toBeLessThanOrEqual(burst + Math.ceil(elapsedS * perSecond));
    expect(presenceWarnings(users.crew, 'rateLimited')).toHaveLength(1);
    expect(flooder.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("lets stock providers of any role share their own presence, and drops an auditor's when it leaves", async () => {
    const crew = provider(users.crew);
    const auditor = provider(users.auditor);
    crew.awareness.setLocalStateField('user', { name: 'ann' });
    auditor.awareness.setLocalStateField('user', { name: 'aud' });
    const seen = (by: WebsocketProvider, of: WebsocketProvider): unknown => (by.awareness.getStates().get(of.awareness.clientID) as { user?: unknown } | undefined)?.user;
    await eventually(() => JSON.stringify(seen(crew, auditor)) === '{"name":"aud"}' && JSON.stringify(seen(auditor, crew)) === '{"name":"ann"}', 5_000, 'both see each other');
    auditor.destroy();
    await eventually(() => seen(crew, auditor) === undefined, 5_000, "the auditor's presence removed at the crew");
    expect(t.logs.filter((l) => l.msg === 'presence refused')).toEqual([]);
  });

  it.each([
    ['an awareness update cut short', new Uint8Array([1, 3, 1, 5, 2])],
    ['a state that is not JSON', new Uint8Array([1, 6, 1, 5, 2, 2, 0x7b, 0x7b])],
  ])('closes with 4400 on %s', async (_what, bytes) => {
    const c = await connect(users.crew);
    c.send(bytes);
    expect((await c.closed).code).toBe(CloseCode.malformed.code);
  });
});
