import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Small real inputs made with ffmpeg's lavfi sources: 2 s of 320x240 @ 30 fps video and a tone. */
export interface MediaInputs {
  dir: string;
  /** H.264 (GOP 15, no B-frames) + AAC in MP4. */
  mp4: string;
  /** The same video as Annex-B, no AUDs (mp4toannexb output). */
  h264: string;
  /** 4 slices per picture, with AUDs. */
  h264Slices: string;
  /** Ogg/Opus stereo, 20 ms frames. */
  ogg: string;
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

export async function makeInputs(): Promise<MediaInputs> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-media-'));
  const at = (name: string): string => path.join(dir, name);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '15', '-keyint_min', '15', '-sc_threshold', '0', '-bf', '0', '-c:a', 'aac', at('in.mp4')]);
  ffmpeg(['-i', at('in.mp4'), '-an', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', at('in.h264')]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=1', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0', '-x264-params', 'slices=4:aud=1', '-f', 'h264', at('slices.h264')]);
  ffmpeg(['-i', at('in.mp4'), '-vn', '-c:a', 'libopus', '-frame_duration', '20', at('in.ogg')]);
  return { dir, mp4: at('in.mp4'), h264: at('in.h264'), h264Slices: at('slices.h264'), ogg: at('in.ogg') };
}
