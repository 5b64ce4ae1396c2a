import { randomBytes } from 'node:crypto';
import { AvcmError } from '../errors/index.js';

interface JanusReply {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id: number };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: 'offer' | 'answer'; sdp: string };
  error?: { code: number; reason: string };
}

const EVENT_WAIT_MS = 20_000;

/**
 * A minimal client of the Janus HTTP API (REST transport) for the VideoRoom plugin: one session,
 * one handle per publisher or subscriber, and a long-poll loop that keeps the session alive and
 * routes asynchronous events (the JSEP answers and offers) to whoever waits for them.
 */
export class JanusSession {
  private readonly waiters = new Map<string, (reply: JanusReply) => void>();
  private polling = false;
  private closed = false;

  private constructor(
    private readonly baseUrl: string,
    readonly sessionId: number,
    private readonly apiSecret: string | undefined,
  ) {}

  /** Creates a session on the server at `baseUrl` (e.g. http://127.0.0.1:8088/janus). */
  static async create(baseUrl: string, apiSecret?: string): Promise<JanusSession> {
    const reply = await JanusSession.post(baseUrl.replace(/\/$/, ''), { janus: 'create' }, apiSecret);
    const session = new JanusSession(baseUrl.replace(/\/$/, ''), reply.data!.id, apiSecret);
    session.poll();
    return session;
  }

  private static async post(url: string, body: Record<string, unknown>, apiSecret?: string): Promise<JanusReply> {
    const transaction = randomBytes(8).toString('hex');
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, transaction, ...(apiSecret ? { apisecret: apiSecret } : {}) }) });
    } catch (error) {
      throw new AvcmError('E_NETWORK', `Janus at ${url} is not reachable: ${(error as Error).message}`, { hint: 'start it (scripts/janus-local.sh start) or fix sfu.url' });
    }
    const reply = (await response.json()) as JanusReply;
    if (reply.janus === 'error') throw new AvcmError('E_NETWORK', `Janus ${String(body.janus)} failed: ${reply.error?.reason} (${reply.error?.code})`);
    return reply;
  }

  /** Long-polls session events until closed; an event with a transaction wakes its waiter. */
  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    void (async () => {
      while (!this.closed) {
        try {
          const response = await fetch(`${this.baseUrl}/${this.sessionId}?maxev=10${this.apiSecret ? `&apisecret=${encodeURIComponent(this.apiSecret)}` : ''}`);
          const body = (await response.json()) as JanusReply | JanusReply[];
          for (const event of Array.isArray(body) ? body : [body]) {
            const waiter = event.transaction ? this.waiters.get(event.transaction) : undefined;
            if (waiter && (event.jsep || event.janus === 'event')) {
              this.waiters.delete(event.transaction!);
              waiter(event);
            }
          }
        } catch {
          if (!this.closed) await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  async attach(): Promise<number> {
    const reply = await JanusSession.post(`${this.baseUrl}/${this.sessionId}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' }, this.apiSecret);
    return reply.data!.id;
  }

  /** A plugin message; returns the synchronous reply, or the asynchronous event when `async`. */
  async message(handle: number, body: Record<string, unknown>, jsep?: { type: 'offer' | 'answer'; sdp: string }, async = false): Promise<JanusReply> {
    const transaction = randomBytes(8).toString('hex');
    const event = async
      ? new Promise<JanusReply>((resolve, reject) => {
          this.waiters.set(transaction, resolve);
          setTimeout(() => {
            if (this.waiters.delete(transaction)) reject(new AvcmError('E_NETWORK', `Janus did not answer ${String(body.request)} within ${EVENT_WAIT_MS / 1000}s`));
          }, EVENT_WAIT_MS).unref();
        })
      : null;
    const response = await fetch(`${this.baseUrl}/${this.sessionId}/${handle}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ janus: 'message', transaction, body, ...(jsep ? { jsep } : {}), ...(this.apiSecret ? { apisecret: this.apiSecret } : {}) }),
    });
    const reply = (await response.json()) as JanusReply;
    if (reply.janus === 'error') throw new AvcmError('E_NETWORK', `Janus ${String(body.request)} failed: ${reply.error?.reason}`);
    const data = reply.plugindata?.data;
    if (data && typeof data.error === 'string') throw new AvcmError('E_NETWORK', `Janus VideoRoom ${String(body.request)}: ${data.error}`);
    if (!event) return reply;
    const result = await event;
    const eventData = result.plugindata?.data;
    if (eventData && typeof eventData.error === 'string') throw new AvcmError('E_NETWORK', `Janus VideoRoom ${String(body.request)}: ${eventData.error}`);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await JanusSession.post(`${this.baseUrl}/${this.sessionId}`, { janus: 'destroy' }, this.apiSecret).catch(() => undefined);
  }
}

/** Creates a VideoRoom room for a run (H.264 + Opus, enough publishers); returns its id. */
export async function createRoom(session: JanusSession, publishers: number, room?: number): Promise<number> {
  const handle = await session.attach();
  const reply = await session.message(handle, {
    request: 'create',
    ...(room ? { room } : {}),
    description: 'avcm run',
    publishers: Math.max(publishers, 1),
    videocodec: 'h264',
    audiocodec: 'opus',
    h264_profile: '42e01f',
    bitrate: 0,
    notify_joining: false,
    permanent: false,
  });
  return (reply.plugindata!.data as { room: number }).room;
}

export async function destroyRoom(session: JanusSession, room: number): Promise<void> {
  const handle = await session.attach();
  await session.message(handle, { request: 'destroy', room }).catch(() => undefined);
}

/**
 * Publishes a participant's offer into the room as feed `participantId`; returns Janus's answer SDP.
 * A simulcast offer (a=rid, a=simulcast, highest layer first: Janus's default `rid_order` "hml")
 * makes it a simulcast publisher; Janus learns the layers' SSRCs from their RID and MID extensions.
 */
export async function publish(session: JanusSession, room: number, participantId: number, offerSdp: string): Promise<string> {
  const handle = await session.attach();
  const event = await session.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id: participantId, display: `avcm-${participantId}` }, { type: 'offer', sdp: offerSdp }, true);
  if (!event.jsep) throw new AvcmError('E_NETWORK', `Janus gave participant ${participantId} no SDP answer`);
  return event.jsep.sdp;
}

/** What a subscription asks of a simulcast feed (VideoRoom `substream`/`temporal`); Janus's defaults when absent. */
export interface SubscribeOptions {
  /** Simulcast layer index: 0 = the lowest, 2 = the highest (Janus's numbering). */
  substream?: number;
  temporal?: number;
}

/**
 * Subscribes to feed `participantId`: Janus offers, the caller answers with `answer(sdp)`. With a
 * `substream` (and `temporal`), Janus forwards that layer of a simulcast feed instead of its default.
 * Returns the subscriber's handle id (for later `configure` requests).
 */
export async function subscribe(session: JanusSession, room: number, participantId: number, answer: (offerSdp: string) => Promise<string>, options: SubscribeOptions = {}): Promise<number> {
  const handle = await session.attach();
  const stream = { feed: participantId, ...(options.substream !== undefined ? { substream: options.substream } : {}), ...(options.temporal !== undefined ? { temporal: options.temporal } : {}) };
  const event = await session.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [stream] }, undefined, true);
  if (!event.jsep) throw new AvcmError('E_NETWORK', `Janus sent no offer for feed ${participantId}`);
  const answerSdp = await answer(event.jsep.sdp);
  await session.message(handle, { request: 'start', room }, { type: 'answer', sdp: answerSdp }, true);
  return handle;
}

/** The room's participants as Janus lists them (VideoRoom `listparticipants`): id and whether it publishes. */
export async function listParticipants(session: JanusSession, room: number): Promise<{ id: number; publisher: boolean }[]> {
  const handle = await session.attach();
  const reply = await session.message(handle, { request: 'listparticipants', room });
  return ((reply.plugindata?.data as { participants?: { id: number; publisher: boolean }[] } | undefined)?.participants ?? []).map((p) => ({ id: p.id, publisher: p.publisher }));
}
