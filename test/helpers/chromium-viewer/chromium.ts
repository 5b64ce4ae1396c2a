import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { AvcmError } from '../../../src/errors/index.js';
import { VIEWER_PAGE_HTML } from './viewer-page.js';

// The helper's one seam to playwright-core: everything else talks to a ViewerTab.

/** Debian's Chromium (package `chromium`); Playwright never downloads a browser of its own here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Headless, and quiet on the network: without the background-networking flags Chromium keeps
// trying hosts this machine cannot reach. Autoplay without a gesture lets the <video> render.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** The page's global the viewer script defines (see viewer-page.ts). */
type PageGlobals = { avcmViewer: Record<string, (...args: unknown[]) => unknown> };

/** One open viewer page: calls into the page's `window.avcmViewer` API. */
export interface ViewerTab {
  /** Calls `window.avcmViewer[method](...args)` in the page and returns its (JSON) result. */
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Every request the page tried to make (all are refused): a viewer page should make none. */
  readonly requests: readonly string[];
  /** Closes the page. Idempotent. */
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile; viewers open their pages in it. */
export interface ChromiumBrowser {
  /** Opens a page holding the viewer (no network: the page comes from `setContent`). */
  openTab(): Promise<ViewerTab>;
  /** Closes the browser and removes its profile. Idempotent. */
  close(): Promise<void>;
}

/** Why Chromium cannot run here, or null when it can (for tests that skip without it). */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
}

/** Launches Debian's Chromium headless with a new, empty --user-data-dir that `close()` removes. */
export async function launchChromium(): Promise<ChromiumBrowser> {
  const missing = chromiumMissing();
  if (missing) throw new AvcmError('E_BACKEND', `Chromium cannot run: ${missing}`, { hint: 'apt-get install chromium' });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'avcm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new AvcmError('E_BACKEND', `Chromium did not start: ${(error as Error).message}`);
  }
  let closed = false;
  return {
    async openTab() {
      const page = await context.newPage();
      const requests: string[] = [];
      await page.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      await page.setContent(VIEWER_PAGE_HTML);
      let tabClosed = false;
      return {
        requests,
        call: <T>(method: string, ...args: unknown[]) =>
          page.evaluate(([name, list]) => (globalThis as unknown as PageGlobals).avcmViewer[name](...list), [method, args] as const) as Promise<T>,
        async close() {
          if (tabClosed) return;
          tabClosed = true;
          await page.close().catch(() => undefined);
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
