/** How a participant's packets leave: a UDP socket (plain RTP) or a WebRTC peer connection. */
export interface ParticipantTransport {
  /** Sends one RTP packet. `header` may be reused by the caller right after this returns. */
  send(header: Buffer, payload: Buffer): void;
  /** Errors the transport saw so far (counted, never thrown: the run goes on). */
  readonly errors: number;
  /** Sends that could not reuse the header buffer because the kernel queue was busy. */
  readonly queueBusy: number;
  close(): Promise<void>;
}
