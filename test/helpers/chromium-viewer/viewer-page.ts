/**
 * The viewer's page, loaded with `page.setContent` so nothing comes from the network. Its script is
 * plain JavaScript kept in a string: functions compiled by the test's TypeScript transform and
 * serialized into the page can carry helpers the page does not have, a string cannot.
 *
 * `window.avcmViewer` is the page's whole API (called by `viewer-tab.ts`):
 * - `answer(offerSdp, gatherTimeoutMs)`: answers Janus's offer, receive-only, and returns the answer
 *   once ICE gathering completed (Janus gets every candidate in the SDP, no trickle).
 * - `waitConnected(timeoutMs)`: resolves when the peer connection is connected.
 * - `sample(videoNames, audioNames)`: one getStats() reading of the inbound streams.
 * - `close()`: closes the peer connection.
 *
 * The received tracks play in a muted, autoplaying <video>, so Chromium's freeze and pause figures
 * come from frames actually handed to a renderer.
 */
export const VIEWER_PAGE_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>avcm chromium viewer</title></head>
<body>
<video id="view" autoplay muted playsinline width="320" height="180"></video>
<script>
'use strict';
(() => {
  const view = document.getElementById('view');
  const stream = new MediaStream();
  let pc = null;

  function pick(stat, names) {
    const out = {};
    for (const name of names) if (typeof stat[name] === 'number') out[name] = stat[name];
    return out;
  }

  function within(ms, what, ready, subscribe) {
    return new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const timer = setTimeout(() => reject(new Error(what + ' did not happen within ' + ms + ' ms')), ms);
      subscribe(() => {
        if (!ready()) return;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  window.avcmViewer = {
    async answer(offerSdp, gatherTimeoutMs) {
      pc = new RTCPeerConnection({ iceServers: [] });
      pc.ontrack = (event) => {
        stream.addTrack(event.track);
        view.srcObject = stream;
        view.play().catch(() => undefined);
      };
      await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await within(gatherTimeoutMs, 'ICE gathering', () => pc.iceGatheringState === 'complete', (check) =>
        pc.addEventListener('icegatheringstatechange', check));
      return pc.localDescription.sdp;
    },

    async waitConnected(timeoutMs) {
      await within(timeoutMs, 'the peer connection (state ' + pc.connectionState + ')', () => pc.connectionState === 'connected', (check) =>
        pc.addEventListener('connectionstatechange', check));
    },

    async sample(videoNames, audioNames) {
      let video = null;
      let audio = null;
      const report = await pc.getStats();
      report.forEach((stat) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'video') video = pick(stat, videoNames);
        else if (stat.kind === 'audio') audio = pick(stat, audioNames);
      });
      const quality = view.getVideoPlaybackQuality();
      return {
        connectionState: pc.connectionState,
        video,
        audio,
        element: {
          currentTimeS: view.currentTime,
          totalVideoFrames: quality.totalVideoFrames,
          droppedVideoFrames: quality.droppedVideoFrames,
          paused: view.paused,
        },
      };
    },

    close() {
      if (pc) pc.close();
    },
  };
})();
</script>
</body>
</html>
`;
