import type { SfuSpec } from '../plan/types.js';
import { createRoom, destroyRoom, JanusSession, publish, subscribe } from './janus-videoroom.js';
import { endSession, exchangeSdp, participantUrl } from './whip.js';

/** What the probe side needs from a WebRTC receiver: answer an SFU's offer, or offer and accept an answer. */
export interface ProbeSide {
  answer(participantId: number, offerSdp: string): Promise<string>;
  offer(participantId: number): Promise<string>;
  acceptAnswer(participantId: number, answerSdp: string): Promise<void>;
}

/**
 * How participants join an SFU and how the probe subscribes to what it forwards. One small
 * interface, one implementation per signaling dialect (Janus VideoRoom, WHIP/WHEP).
 */
export interface SfuAdapter {
  /** Runner, before launch: make what the run needs (a room); returns the spec the engines use. */
  prepare(publishers: number): Promise<SfuSpec>;
  /** Engines: a participant offered its send-only media; returns the SFU's answer. */
  publish(participantId: number, offerSdp: string): Promise<string>;
  /** Runner: subscribe the probe to one participant's forwarded media. */
  subscribe(participantId: number, probe: ProbeSide): Promise<void>;
  /** Ends sessions and removes what `prepare` made. Idempotent. */
  close(): Promise<void>;
}

class JanusVideoRoomAdapter implements SfuAdapter {
  private session: JanusSession | null = null;
  private room: number | null;
  private createdRoom = false;

  constructor(
    private readonly spec: Extract<SfuSpec, { kind: 'janus-videoroom' }>,
    private readonly secret: string | undefined,
  ) {
    this.room = spec.room;
  }

  private async janus(): Promise<JanusSession> {
    this.session ??= await JanusSession.create(this.spec.url, this.secret);
    return this.session;
  }

  async prepare(publishers: number): Promise<SfuSpec> {
    if (this.room === null) {
      this.room = await createRoom(await this.janus(), publishers);
      this.createdRoom = true;
    }
    return { ...this.spec, room: this.room };
  }

  async publish(participantId: number, offerSdp: string): Promise<string> {
    return publish(await this.janus(), this.room!, participantId, offerSdp);
  }

  async subscribe(participantId: number, probe: ProbeSide): Promise<void> {
    await subscribe(await this.janus(), this.room!, participantId, (offer) => probe.answer(participantId, offer));
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    if (this.createdRoom && this.room !== null) await destroyRoom(session, this.room);
    await session.close();
  }
}

class WhipWhepAdapter implements SfuAdapter {
  private readonly sessions: string[] = [];

  constructor(
    private readonly spec: Extract<SfuSpec, { kind: 'whip' }>,
    private readonly token: string | undefined,
  ) {}

  async prepare(): Promise<SfuSpec> {
    return this.spec;
  }

  async publish(participantId: number, offerSdp: string): Promise<string> {
    const { answerSdp, location } = await exchangeSdp(participantUrl(this.spec.whipUrl, participantId), offerSdp, this.token, 'WHIP');
    if (location) this.sessions.push(location);
    return answerSdp;
  }

  async subscribe(participantId: number, probe: ProbeSide): Promise<void> {
    const offer = await probe.offer(participantId);
    const { answerSdp, location } = await exchangeSdp(participantUrl(this.spec.whepUrl, participantId), offer, this.token, 'WHEP');
    if (location) this.sessions.push(location);
    await probe.acceptAnswer(participantId, answerSdp);
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.splice(0).map((location) => endSession(location, this.token)));
  }
}

/** The adapter for a scenario's `sfu:` section; secrets come from the environment variables it names. */
export function sfuAdapter(spec: SfuSpec, env: NodeJS.ProcessEnv): SfuAdapter {
  return spec.kind === 'janus-videoroom' ? new JanusVideoRoomAdapter(spec, spec.secretEnv ? env[spec.secretEnv] : undefined) : new WhipWhepAdapter(spec, spec.tokenEnv ? env[spec.tokenEnv] : undefined);
}
