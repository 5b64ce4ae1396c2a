/** Called with each RTCP datagram a participant's transport receives from the target (rtcp-mux). */
export type FeedbackHandler = (buf: Uint8Array, length: number) => void;

/** How a participant's packets leave: a UDP socket (plain RTP) or a WebRTC peer connection. */
export interface ParticipantTransport {
  /**
   * Sends one packet: the first `headerLength` bytes of `header` (an RTP header, or a whole RTCP
   * compound with an empty payload), then `payload`. `header` may be reused right after this returns.
   */
  send(header: Buffer, headerLength: number, payload: Buffer): void;
  /** Delivers the RTCP the far end sends back on this participant's 5-tuple (RFC 5761 demultiplexed). */
  onFeedback(handler: FeedbackHandler): void;
  /**
   * WebRTC: whether the far end accepted RTX (else NACKs are answered with the same packet).
   * Undefined for plain UDP, where the plan alone decides.
   */
  readonly rtxNegotiated?: boolean;
  /**
   * WebRTC: the MID of the video media section (RFC 8843), which simulcast layers stamp on their
   * packets so an SFU can place their unsignaled SSRCs. Undefined for plain UDP (no SDP).
   */
  readonly videoMid?: string | null;
  /**
   * WebRTC: where the media of the session runs once connected: `native` (avcm's batched path,
   * SRTP in the addon) or `werift` (its JavaScript path); null while not connected. Undefined for
   * plain UDP.
   */
  readonly mediaPath?: 'native' | 'werift' | null;
  /**
   * WebRTC: why the media runs on werift's path although the batched layer was there (a TURN
   * relay, ...), or why werift's path still carried some of a `native` session's packets; null otherwise.
   */
  readonly mediaPathReason?: string | null;
  /** Errors the transport saw so far (counted, never thrown: the run goes on). */
  readonly errors: number;
  /**
   * Of `errors`, those where the far end refused the packets (ICMP port unreachable, which a
   * connected UDP socket reports as ECONNREFUSED on a later send or receive). Unset: not known.
   */
  readonly refused?: number;
  /** Sends that could not reuse the header buffer because the kernel queue was busy. */
  readonly queueBusy: number;
  close(): Promise<void>;
}
