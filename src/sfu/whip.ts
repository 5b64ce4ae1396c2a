import { AvcmError } from '../errors/index.js';

/** A WHIP/WHEP server that does not answer in this long is gone or frozen (the request is then retried as a rejoin). */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * WHIP (RFC 9725) publish and WHEP subscribe: one HTTP POST of an SDP offer (application/sdp),
 * the answer in the 201 response, the session's URL in Location (DELETE ends it).
 */
export async function exchangeSdp(url: string, offerSdp: string, token: string | undefined, what: string): Promise<{ answerSdp: string; location: string | null }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: offerSdp, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new AvcmError('E_NETWORK', `${what} endpoint ${url} is not reachable: ${(error as Error).message}`);
  }
  try {
    if (response.status !== 201 && response.status !== 200) throw new AvcmError('E_NETWORK', `${what} ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const location = response.headers.get('location');
    return { answerSdp: await response.text(), location: location ? new URL(location, url).toString() : null };
  } catch (error) {
    if (error instanceof AvcmError) throw error;
    throw new AvcmError('E_NETWORK', `${what} endpoint ${url} did not finish its answer: ${(error as Error).message}`);
  }
}

export async function endSession(location: string, token: string | undefined): Promise<void> {
  await fetch(location, { method: 'DELETE', headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(() => undefined);
}

export function participantUrl(template: string, participantId: number): string {
  return template.replace('{participant}', String(participantId));
}
