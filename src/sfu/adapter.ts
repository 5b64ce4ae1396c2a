import type { SfuSpec } from '../plan/types.js';
import { configureSubstream, createRoom, destroyRoom, ensureRoom, JanusSession, publish, subscribe } from './janus-videoroom.js';
import { endSession, exchangeSdp, participantUrl } from './whip.js';

/**
 * What the probe side needs from a WebRTC receiver: answer an SFU's offer, or offer and accept an
 * answer. One per viewer: each viewer's subscriptions are its own peers.
 */
export interface ProbeSide {
  answer(participantId: number, offerSdp: string): Promise<string>;
  offer(participantId: number): Promise<string>;
  acceptAnswer(participantId: number, answerSdp: string): Promise<void>;
}

/**
 * How participants join an SFU and how the probe subscribes to what it forwards. One small
 * interface, one implementation per signaling dialect (Janus VideoRoom, WHIP/WHEP).
 *
 * Joining again (after the SFU restarted, or a session was lost) is calling `publish` or
 * `subscribe` again for the same participant: the adapter ends what it had for that participant
 * first (so the SFU frees the feed id), starts a new signaling session when the old one is gone,
 * and makes the run's room again when the SFU lost it.
 */
export interface SfuAdapter {
  /** Runner, before launch: make what the run needs (a room); returns the spec the engines use. */
  prepare(publishers: number): Promise<SfuSpec>;
  /** Engines: a participant offered its send-only media; returns the SFU's answer. */
  publish(participantId: number, offerSdp: string): Promise<string>;
  /**
   * Runner: subscribe viewer `viewer` (its index in the plan's viewers; 0 without them) to one
   * participant's forwarded media, through that viewer's probe side. Each (viewer, participant)
   * pair is a subscription of its own at the SFU (Janus: its own subscriber handle).
   */
  subscribe(viewer: number, participantId: number, probe: ProbeSide): Promise<void>;
  /**
   * Calls `listener` each time the adapter's signaling session is lost (Janus: its long poll finds
   * the server gone, or the server no longer knows it): everything joined through it must join
   * again. Dialects without a session (WHIP/WHEP) never call it.
   */
  onSignalingLost(listener: (reason: string) => void): void;
  /**
   * The simulcast layer (0 = the lowest) viewer `viewer`'s subscription to `participantId` asks
   * for, from now on and on every resubscription: called before `subscribe` for the viewer's layer
   * and by layer_switch spikes. Other viewers' subscriptions keep theirs. Dialects without layer
   * choice (WHEP) leave it out.
   */
  setLayer?(viewer: number, participantId: number, substream: number): Promise<void>;
  /** Ends sessions and removes what `prepare` made. Idempotent. */
  close(): Promise<void>;
}

/** The key of one subscription: viewer index and participant id (a string: a Map key that never collides). */
function subscriptionKey(viewer: number, participantId: number): string {
  return `${viewer}:${participantId}`;
}

/** Options of an adapter: how many publishers the room must take when the adapter has to make it again. */
export interface SfuAdapterOptions {
  publishers?: number;
}

class JanusVideoRoomAdapter implements SfuAdapter {
  private session: JanusSession | null = null;
  private opening: Promise<JanusSession> | null = null;
  private room: number | null;
  private createdRoom = false;
  private publishers: number;
  /** Each participant's publisher handle, in the session it was made in. */
  private readonly publisherHandles = new Map<number, { session: JanusSession; handle: number }>();
  /** Each (viewer, participant) subscription's handle (`subscriptionKey`), in the session it was made in. */
  private readonly subscribers = new Map<string, { session: JanusSession; handle: number }>();
  /** Each subscription's video mids, and the layer it asks for (by `subscriptionKey`). */
  private readonly videoMids = new Map<string, string[]>();
  private readonly layers = new Map<string, number>();
  private readonly lostListeners: ((reason: string) => void)[] = [];

  constructor(
    private readonly spec: Extract<SfuSpec, { kind: 'janus-videoroom' }>,
    private readonly secret: string | undefined,
    options: SfuAdapterOptions,
  ) {
    this.room = spec.room;
    this.publishers = options.publishers ?? 1;
  }

  /** The signaling session: the current one, or a new one when it was lost (the room made again in it). */
  private async janus(): Promise<JanusSession> {
    if (this.session && this.session.lostReason === null) return this.session;
    this.opening ??= (async () => {
      const replacing = this.session !== null;
      const session = await JanusSession.create(this.spec.url, this.secret);
      session.onLost((reason) => {
        for (const listener of this.lostListeners) listener(reason);
      });
      if (replacing && this.room !== null) await ensureRoom(session, this.room, this.publishers);
      this.session = session;
      return session;
    })().finally(() => (this.opening = null));
    return this.opening;
  }

  async prepare(publishers: number): Promise<SfuSpec> {
    this.publishers = Math.max(this.publishers, publishers);
    if (this.room === null) {
      this.room = await createRoom(await this.janus(), publishers);
      this.createdRoom = true;
    }
    return { ...this.spec, room: this.room };
  }

  /** Ends an earlier handle when its session still lives (a publisher's feed id must be free to join again; a subscription is replaced). */
  private static async forget<K>(handles: Map<K, { session: JanusSession; handle: number }>, key: K): Promise<void> {
    const earlier = handles.get(key);
    handles.delete(key);
    if (earlier && earlier.session.lostReason === null) await earlier.session.detach(earlier.handle);
  }

  async publish(participantId: number, offerSdp: string): Promise<string> {
    await JanusVideoRoomAdapter.forget(this.publisherHandles, participantId);
    const session = await this.janus();
    const { answerSdp, handle } = await publish(session, this.room!, participantId, offerSdp);
    this.publisherHandles.set(participantId, { session, handle });
    return answerSdp;
  }

  async subscribe(viewer: number, participantId: number, probe: ProbeSide): Promise<void> {
    const key = subscriptionKey(viewer, participantId);
    await JanusVideoRoomAdapter.forget(this.subscribers, key);
    const session = await this.janus();
    const substream = this.layers.get(key);
    const handle = await subscribe(session, this.room!, participantId, (offer) => probe.answer(participantId, offer), {
      ...(substream !== undefined ? { substream } : {}),
      onVideoMids: (mids) => this.videoMids.set(key, mids),
    });
    this.subscribers.set(key, { session, handle });
  }

  async setLayer(viewer: number, participantId: number, substream: number): Promise<void> {
    const key = subscriptionKey(viewer, participantId);
    this.layers.set(key, substream);
    const current = this.subscribers.get(key);
    const mids = this.videoMids.get(key);
    // Not subscribed yet (or resubscribing): the subscription asks for the layer when it joins.
    if (!current || !mids || mids.length === 0 || current.session.lostReason !== null) return;
    await configureSubstream(current.session, current.handle, mids, substream);
  }

  onSignalingLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.lostListeners.length = 0;
    if (!session) return;
    if (this.createdRoom && this.room !== null && session.lostReason === null) await destroyRoom(session, this.room);
    await session.close();
  }
}

class WhipWhepAdapter implements SfuAdapter {
  /** Each participant's current WHIP/WHEP session (its Location), ended before joining again and at close. */
  private readonly sessions = new Map<string, string>();

  constructor(
    private readonly spec: Extract<SfuSpec, { kind: 'whip' }>,
    private readonly token: string | undefined,
  ) {}

  async prepare(): Promise<SfuSpec> {
    return this.spec;
  }

  /** Ends the participant's earlier session on the server first (best effort: a restarted server has forgotten it). */
  private async forget(key: string): Promise<void> {
    const earlier = this.sessions.get(key);
    this.sessions.delete(key);
    if (earlier) await endSession(earlier, this.token);
  }

  async publish(participantId: number, offerSdp: string): Promise<string> {
    await this.forget(`whip:${participantId}`);
    const { answerSdp, location } = await exchangeSdp(participantUrl(this.spec.whipUrl, participantId), offerSdp, this.token, 'WHIP');
    if (location) this.sessions.set(`whip:${participantId}`, location);
    return answerSdp;
  }

  async subscribe(viewer: number, participantId: number, probe: ProbeSide): Promise<void> {
    const key = `whep:${subscriptionKey(viewer, participantId)}`;
    await this.forget(key);
    const offer = await probe.offer(participantId);
    const { answerSdp, location } = await exchangeSdp(participantUrl(this.spec.whepUrl, participantId), offer, this.token, 'WHEP');
    if (location) this.sessions.set(key, location);
    await probe.acceptAnswer(participantId, answerSdp);
  }

  onSignalingLost(): void {
    // WHIP and WHEP keep no signaling session: a lost one shows in the media (ICE, silence).
  }

  async close(): Promise<void> {
    const locations = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(locations.map((location) => endSession(location, this.token)));
  }
}

/** The adapter for a scenario's `sfu:` section; secrets come from the environment variables it names. */
export function sfuAdapter(spec: SfuSpec, env: NodeJS.ProcessEnv, options: SfuAdapterOptions = {}): SfuAdapter {
  return spec.kind === 'janus-videoroom' ? new JanusVideoRoomAdapter(spec, spec.secretEnv ? env[spec.secretEnv] : undefined, options) : new WhipWhepAdapter(spec, token(spec, env));
}

function token(spec: Extract<SfuSpec, { kind: 'whip' }>, env: NodeJS.ProcessEnv): string | undefined {
  return spec.tokenEnv ? env[spec.tokenEnv] : undefined;
}
