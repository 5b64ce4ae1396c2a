import { AvcmError } from '../../../src/errors/index.js';
import { JanusSession, subscribe } from '../../../src/sfu/index.js';
import { launchChromium, type ChromiumBrowser, type ViewerTab } from './chromium.js';
import { AUDIO_FIGURES, OPTIONAL_AUDIO_FIGURES, OPTIONAL_VIDEO_FIGURES, VIDEO_FIGURES, type PageSample, type ViewerSample } from './figures.js';

const GATHER_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 15_000;
const FEED_POLL_MS = 200;

export interface ChromiumViewerOptions {
  /** Janus HTTP API base, e.g. http://127.0.0.1:18088/janus. */
  janusUrl: string;
  /** The VideoRoom room the feed publishes in. */
  room: number;
  /** The publisher's feed id (avcm publishes participant N as feed N). */
  feedId: number;
  /** Closes the viewer by itself this many ms after it connected; default: open until `close()`. */
  durationMs?: number;
  /** Period of the timeline's readings, ms (default 1000). */
  sampleEveryMs?: number;
  /** How long to wait for the feed to be published before giving up, ms (default 20000). */
  waitForFeedMs?: number;
  /** A browser to open the viewer in (several viewers can share one); default: the viewer launches its own and closes it with itself. */
  chromium?: ChromiumBrowser;
}

/** A Chromium tab subscribed to one Janus feed, reading its getStats() over time. */
export interface ChromiumViewer {
  readonly feedId: number;
  /** Readings so far, one per `sampleEveryMs` from connection on; cumulative figures. */
  readonly timeline: readonly ViewerSample[];
  /** Requests the page tried to make (all refused); a working viewer makes none. */
  readonly networkRequests: readonly string[];
  /** A getStats() reading now; once closed, the final reading. */
  stats(): Promise<ViewerSample>;
  /** Settles with the final reading when the viewer closes (after `durationMs`, or `close()`). */
  readonly closed: Promise<ViewerSample>;
  /** Takes the final reading, hangs up, closes the tab (and its own browser). Idempotent. */
  close(): Promise<ViewerSample>;
}

/** Polls the room's participant list until `feedId` publishes (a subscriber cannot join a feed before). */
async function waitForFeed(session: JanusSession, room: number, feedId: number, waitMs: number): Promise<void> {
  const handle = await session.attach();
  const deadline = Date.now() + waitMs;
  for (;;) {
    const reply = await session.message(handle, { request: 'listparticipants', room });
    const participants = (reply.plugindata?.data.participants ?? []) as { id: number; publisher?: boolean }[];
    if (participants.some((p) => p.id === feedId && p.publisher)) return;
    if (Date.now() >= deadline) {
      throw new AvcmError('E_NETWORK', `feed ${feedId} did not publish in Janus room ${room} within ${waitMs} ms`, {
        hint: 'start the viewer while the run publishes, and check the feed id (avcm publishes participant N as feed N)',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, FEED_POLL_MS));
  }
}

function toSample(page: PageSample, atMs: number, epochMs: number): ViewerSample {
  const missing = [
    ...(page.video ? VIDEO_FIGURES.filter((name) => typeof page.video![name] !== 'number').map((name) => `video.${name}`) : []),
    ...(page.audio ? AUDIO_FIGURES.filter((name) => typeof page.audio![name] !== 'number').map((name) => `audio.${name}`) : []),
  ];
  // A figure this Chromium does not report must not read as zero: the oracle would lie.
  if (missing.length > 0) throw new AvcmError('E_INTERNAL', `this Chromium's getStats() lacks ${missing.join(', ')}`);
  return { ...page, atMs, epochMs };
}

/**
 * Subscribes a headless Chromium to feed `feedId` of a Janus VideoRoom and reads its getStats()
 * once per `sampleEveryMs`. Call it while the feed publishes (it waits up to `waitForFeedMs` for
 * it). Resolves once Chromium's peer connection is connected; media keeps flowing until `close()`
 * or `durationMs`. Signaling runs from Node through Janus's HTTP API (its long-poll keeps the
 * session alive); the page answers Janus's offer with its own RTCPeerConnection.
 */
export async function subscribeChromiumViewer(options: ChromiumViewerOptions): Promise<ChromiumViewer> {
  const { janusUrl, room, feedId } = options;
  const sampleEveryMs = options.sampleEveryMs ?? 1000;
  const browser = options.chromium ?? (await launchChromium());
  const ownBrowser = options.chromium === undefined;
  let session: JanusSession | null = null;
  let tab: ViewerTab | null = null;
  const release = async () => {
    await tab?.call('close').catch(() => undefined);
    await tab?.close();
    await session?.close();
    if (ownBrowser) await browser.close();
  };
  try {
    session = await JanusSession.create(janusUrl);
    await waitForFeed(session, room, feedId, options.waitForFeedMs ?? 20_000);
    tab = await browser.openTab();
    const answering = tab;
    await subscribe(session, room, feedId, (offerSdp) => answering.call<string>('answer', offerSdp, GATHER_TIMEOUT_MS));
    await tab.call('waitConnected', CONNECT_TIMEOUT_MS);
  } catch (error) {
    await release();
    throw error;
  }
  const openTab = tab;
  const connectedAt = performance.now();
  const timeline: ViewerSample[] = [];
  const read = async () =>
    toSample(await openTab.call<PageSample>('sample', [...VIDEO_FIGURES, ...OPTIONAL_VIDEO_FIGURES], [...AUDIO_FIGURES, ...OPTIONAL_AUDIO_FIGURES]), performance.now() - connectedAt, Date.now());

  let finalSample: ViewerSample | null = null;
  let closing: Promise<ViewerSample> | null = null;
  let settleClosed!: (sample: ViewerSample) => void;
  let failClosed!: (error: unknown) => void;
  const closed = new Promise<ViewerSample>((resolve, reject) => {
    settleClosed = resolve;
    failClosed = reject;
  });
  closed.catch(() => undefined);

  let reading: Promise<void> | null = null;
  let sampleError: unknown = null;
  const ticker = setInterval(() => {
    // A reading still running when the next is due (a busy machine) makes that tick skip.
    if (reading !== null || closing !== null) return;
    reading = read()
      .then(
        (sample) => void timeline.push(sample),
        (error: unknown) => void (sampleError ??= error),
      )
      .finally(() => (reading = null));
  }, sampleEveryMs);
  const stopTimer = options.durationMs === undefined ? null : setTimeout(() => void close().catch(() => undefined), options.durationMs);

  function close(): Promise<ViewerSample> {
    closing ??= (async () => {
      clearInterval(ticker);
      if (stopTimer) clearTimeout(stopTimer);
      await reading;
      try {
        if (sampleError) throw sampleError;
        const last = await read().catch((error: unknown) => {
          // The publisher may already have left and Janus hung up: the last reading stands.
          if (timeline.length > 0) return timeline[timeline.length - 1];
          throw error;
        });
        if (timeline[timeline.length - 1] !== last) timeline.push(last);
        finalSample = last;
        settleClosed(last);
        return last;
      } catch (error) {
        failClosed(error);
        throw error;
      } finally {
        await release();
      }
    })();
    return closing;
  }

  return {
    feedId,
    timeline,
    networkRequests: openTab.requests,
    closed,
    stats: async () => finalSample ?? (closing ? closing : read()),
    close,
  };
}
