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
/** Any request but the long poll: a Janus that does not answer in this long is gone or frozen. */
const REQUEST_TIMEOUT_MS = 10_000;
/** The long poll: Janus holds it up to 30 s when nothing happens. */
const POLL_TIMEOUT_MS = 45_000;
/** Janus error codes: the session is unknown (458); VideoRoom: no such room (426), room exists (427), feed id taken (436). */
export const JANUS_NO_SUCH_SESSION = 458;
export const VIDEOROOM_NO_SUCH_ROOM = 426;
export const VIDEOROOM_ROOM_EXISTS = 427;

/** A Janus or VideoRoom error reply, with its numeric code (the plugin's `error_code`, or the core's). */
export class JanusError extends AvcmError {
  constructor(
    readonly janusCode: number | null,
    message: string,
  ) {
    super('E_NETWORK', message);
  }
}

/**
 * A minimal client of the Janus HTTP API (REST transport) for the VideoRoom plugin: one session,
 * one handle per publisher or subscriber, and a long-poll loop that keeps the session alive and
 * routes asynchronous events (the JSEP answers and offers) to whoever waits for them.
 */
export class JanusSession {
  private readonly waiters = new Map<string, (reply: JanusReply) => void>();
  private readonly lostListeners: ((reason: string) => void)[] = [];
  private polling = false;
  private closed = false;
  /** Why the session is gone (the server restarted or went away), or null while it is usable. */
  lostReason: string | null = null;

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
    let reply: JanusReply;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, transaction, ...(apiSecret ? { apisecret: apiSecret } : {}) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      reply = (await response.json()) as JanusReply;
    } catch (error) {
      throw new AvcmError('E_NETWORK', `Janus at ${url} is not reachable: ${(error as Error).message}`, { hint: 'start it (scripts/janus-local.sh start) or fix sfu.url' });
    }
    if (reply.janus === 'error') throw new JanusError(reply.error?.code ?? null, `Janus ${String(body.janus)} failed: ${reply.error?.reason} (${reply.error?.code})`);
    return reply;
  }

  /** Calls `listener` once when the session is lost (the long poll finds the server gone, or the server no longer knows the session). */
  onLost(listener: (reason: string) => void): void {
    if (this.lostReason !== null) listener(this.lostReason);
    else this.lostListeners.push(listener);
  }

  private markLost(reason: string): void {
    if (this.lostReason !== null || this.closed) return;
    this.lostReason = reason;
    for (const listener of this.lostListeners.splice(0)) listener(reason);
  }

  /**
   * Long-polls session events until closed; an event with a transaction wakes its waiter. Two
   * failed polls in a row (connection refused or reset: the server went away), or the server
   * saying it does not know the session (it restarted), lose the session, as janus.js does.
   */
  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    void (async () => {
      let failures = 0;
      while (!this.closed && this.lostReason === null) {
        try {
          const response = await fetch(`${this.baseUrl}/${this.sessionId}?maxev=10${this.apiSecret ? `&apisecret=${encodeURIComponent(this.apiSecret)}` : ''}`, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
          const body = (await response.json()) as JanusReply | JanusReply[];
          failures = 0;
          for (const event of Array.isArray(body) ? body : [body]) {
            if (event.janus === 'error' && event.error?.code === JANUS_NO_SUCH_SESSION) this.markLost(`Janus no longer knows session ${this.sessionId} (restarted?)`);
            const waiter = event.transaction ? this.waiters.get(event.transaction) : undefined;
            if (waiter && (event.jsep || event.janus === 'event')) {
              this.waiters.delete(event.transaction!);
              waiter(event);
            }
          }
        } catch (error) {
          if (this.closed) break;
          if (++failures >= 2) this.markLost(`signaling lost: Janus at ${this.baseUrl} does not answer (${(error as Error).message})`);
          else await new Promise((r) => setTimeout(r, 250));
        }
      }
    })();
  }

  async attach(): Promise<number> {
    const reply = await this.post({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
    return reply.data!.id;
  }

  /** Detaches a plugin handle (a publisher leaves the room, a subscription ends); best effort. */
  async detach(handle: number): Promise<void> {
    await JanusSession.post(`${this.baseUrl}/${this.sessionId}/${handle}`, { janus: 'detach' }, this.apiSecret).catch(() => undefined);
  }

  /** A session request; an answer that the session is unknown loses the session. */
  private async post(body: Record<string, unknown>): Promise<JanusReply> {
    try {
      return await JanusSession.post(`${this.baseUrl}/${this.sessionId}`, body, this.apiSecret);
    } catch (error) {
      if (error instanceof JanusError && error.janusCode === JANUS_NO_SUCH_SESSION) this.markLost(`Janus no longer knows session ${this.sessionId} (restarted?)`);
      throw error;
    }
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
    let reply: JanusReply;
    try {
      const response = await fetch(`${this.baseUrl}/${this.sessionId}/${handle}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ janus: 'message', transaction, body, ...(jsep ? { jsep } : {}), ...(this.apiSecret ? { apisecret: this.apiSecret } : {}) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      reply = (await response.json()) as JanusReply;
    } catch (error) {
      this.waiters.delete(transaction);
      event?.catch(() => undefined);
      throw new AvcmError('E_NETWORK', `Janus at ${this.baseUrl} did not take ${String(body.request)}: ${(error as Error).message}`);
    }
    if (reply.janus === 'error') {
      this.waiters.delete(transaction);
      event?.catch(() => undefined);
      if (reply.error?.code === JANUS_NO_SUCH_SESSION) this.markLost(`Janus no longer knows session ${this.sessionId} (restarted?)`);
      throw new JanusError(reply.error?.code ?? null, `Janus ${String(body.request)} failed: ${reply.error?.reason}`);
    }
    const data = reply.plugindata?.data;
    if (data && typeof data.error === 'string') {
      this.waiters.delete(transaction);
      event?.catch(() => undefined);
      throw new JanusError(typeof data.error_code === 'number' ? data.error_code : null, `Janus VideoRoom ${String(body.request)}: ${data.error}`);
    }
    if (!event) return reply;
    const result = await event;
    const eventData = result.plugindata?.data;
    if (eventData && typeof eventData.error === 'string') throw new JanusError(typeof eventData.error_code === 'number' ? eventData.error_code : null, `Janus VideoRoom ${String(body.request)}: ${eventData.error}`);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A server that is gone cannot destroy anything: do not wait for it.
    if (this.lostReason === null) await JanusSession.post(`${this.baseUrl}/${this.sessionId}`, { janus: 'destroy' }, this.apiSecret).catch(() => undefined);
  }
}

/** Creates a VideoRoom room for a run (H.264 + Opus, enough publishers); returns its id. */
export async function createRoom(session: JanusSession, publishers: number, room?: number): Promise<number> {
  const handle = await session.attach();
  try {
    return await createRoomOn(session, handle, publishers, room);
  } finally {
    await session.detach(handle);
  }
}

/**
 * Makes sure room `room` exists, as it was before the SFU restarted (a restart loses the rooms
 * made at run time): created again with the same id and settings; one that exists already is fine.
 */
export async function ensureRoom(session: JanusSession, room: number, publishers: number): Promise<void> {
  try {
    await createRoom(session, publishers, room);
  } catch (error) {
    if (!(error instanceof JanusError && error.janusCode === VIDEOROOM_ROOM_EXISTS)) throw error;
  }
}

async function createRoomOn(session: JanusSession, handle: number, publishers: number, room?: number): Promise<number> {
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
 * Publishes a participant's offer into the room as feed `participantId`; returns Janus's answer SDP
 * and the publisher's handle. A simulcast offer (a=rid, a=simulcast, highest layer first: Janus's
 * default `rid_order` "hml") makes it a simulcast publisher; Janus learns the layers' SSRCs from
 * their RID and MID extensions.
 */
export async function publish(session: JanusSession, room: number, participantId: number, offerSdp: string): Promise<{ answerSdp: string; handle: number }> {
  const handle = await session.attach();
  try {
    const event = await session.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id: participantId, display: `avcm-${participantId}` }, { type: 'offer', sdp: offerSdp }, true);
    if (!event.jsep) throw new AvcmError('E_NETWORK', `Janus gave participant ${participantId} no SDP answer`);
    return { answerSdp: event.jsep.sdp, handle };
  } catch (error) {
    await session.detach(handle);
    throw error;
  }
}

/** What a subscription asks of a simulcast feed (VideoRoom `substream`/`temporal`); Janus's defaults when absent. */
export interface SubscribeOptions {
  /** Simulcast layer index: 0 = the lowest, 2 = the highest (Janus's numbering). */
  substream?: number;
  temporal?: number;
  /** Told the subscriber's video mids (from Janus's `attached` event): what a later `configure` names. */
  onVideoMids?: (mids: string[]) => void;
}

/**
 * Subscribes to feed `participantId`: Janus offers, the caller answers with `answer(sdp)`. With a
 * `substream` (and `temporal`), Janus forwards that layer of a simulcast feed instead of its default.
 * Returns the subscriber's handle id (for later `configure` requests).
 */
export async function subscribe(session: JanusSession, room: number, participantId: number, answer: (offerSdp: string) => Promise<string>, options: SubscribeOptions = {}): Promise<number> {
  const handle = await session.attach();
  const stream = { feed: participantId, ...(options.substream !== undefined ? { substream: options.substream } : {}), ...(options.temporal !== undefined ? { temporal: options.temporal } : {}) };
  try {
    const event = await session.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [stream] }, undefined, true);
    if (!event.jsep) throw new AvcmError('E_NETWORK', `Janus sent no offer for feed ${participantId}`);
    const streams = (event.plugindata?.data as { streams?: { type?: string; mid?: string }[] } | undefined)?.streams ?? [];
    options.onVideoMids?.(streams.filter((st) => st.type === 'video' && typeof st.mid === 'string').map((st) => st.mid!));
    const answerSdp = await answer(event.jsep.sdp);
    await session.message(handle, { request: 'start', room }, { type: 'answer', sdp: answerSdp }, true);
    return handle;
  } catch (error) {
    await session.detach(handle);
    throw error;
  }
}

/**
 * Asks Janus to forward simulcast layer `substream` (0 = the lowest) on a subscriber's video
 * streams `mids` (VideoRoom `configure` with `streams`, the multistream API of Janus 1.x). Janus
 * switches at the new layer's next keyframe (and asks the publisher for one).
 */
export async function configureSubstream(session: JanusSession, handle: number, mids: readonly string[], substream: number): Promise<void> {
  await session.message(handle, { request: 'configure', streams: mids.map((mid) => ({ mid, substream })) }, undefined, true);
}

/** The room's participants as Janus lists them (VideoRoom `listparticipants`): id and whether it publishes. */
export async function listParticipants(session: JanusSession, room: number): Promise<{ id: number; publisher: boolean }[]> {
  const handle = await session.attach();
  try {
    const reply = await session.message(handle, { request: 'listparticipants', room });
    return ((reply.plugindata?.data as { participants?: { id: number; publisher: boolean }[] } | undefined)?.participants ?? []).map((p) => ({ id: p.id, publisher: p.publisher }));
  } finally {
    await session.detach(handle);
  }
}
