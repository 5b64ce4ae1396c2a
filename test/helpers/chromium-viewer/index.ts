export { subscribeChromiumViewer, type ChromiumViewer, type ChromiumViewerOptions } from './subscribe-viewer.js';
export { launchChromium, chromiumMissing, CHROMIUM_PATH, type ChromiumBrowser } from './chromium.js';
export { perWindow, longestDecodeStallMs, type ViewerWindow, type VideoWindow, type AudioWindow } from './timeline.js';
export type { ViewerSample, InboundVideoFigures, InboundAudioFigures, VideoElementFigures } from './figures.js';
