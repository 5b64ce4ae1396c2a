#!/usr/bin/env bash
# Makes the clip avcm ships in media/default/ (so the main job needs no ffmpeg), from ffmpeg's
# built-in test sources only (no third-party footage). Re-run after changing the settings below,
# and keep media/default/clip.json in sync (the loader uses the clip as is only when a scenario
# asks for exactly these settings; anything else is converted from it with ffmpeg).
#
# Video: testsrc2 (moving colour pattern + counter) 1280x720 @ 30 fps, 10 s, H.264 constrained
#        baseline, 2500 kbit/s, a keyframe every 60 frames (2 s), SPS/PPS repeated at every IDR,
#        access unit delimiters, Annex-B.
# Simulcast layers (media.video.simulcast: true): the same source scaled to 640x360 @ 600 kbit/s
#        and 320x180 @ 150 kbit/s, otherwise encoded alike: the same GOP (a keyframe every 60
#        frames, no scene-cut keyframes), so every layer has its IDRs at the same frames. The
#        top layer is talk.h264 itself.
# Audio: a 440 Hz tone mixed with pink noise, Opus 64 kbit/s, 20 ms frames, 48 kHz stereo, Ogg.
#
# Usage: scripts/make-default-clip.sh [OUT_DIR]   (default media/default; needs ffmpeg with libx264 and libopus)
# The exact commands (also in media/default/README.md):
#   ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=30:duration=10 -c:v libx264 -profile:v baseline -level:v 3.1
#     -preset veryfast -tune zerolatency -b:v 2500k -maxrate 3000k -bufsize 2500k -g 60 -keyint_min 60
#     -sc_threshold 0 -bf 0 -x264-params repeat-headers=1:aud=1:slices=1 -pix_fmt yuv420p -f h264 talk.h264
#   the layers: the same with -vf scale=W:H:flags=bicubic -b:v Rk -maxrate (1.2 R)k -bufsize Rk
#     -f h264 talk-WxH.h264, for W:H:R = 640:360:600 and 320:180:150
#   ffmpeg -f lavfi -i sine=frequency=440:sample_rate=48000:duration=10
#     -f lavfi -i anoisesrc=color=pink:amplitude=0.05:sample_rate=48000:duration=10:seed=7
#     -filter_complex "[0:a][1:a]amix=inputs=2:duration=shortest,aformat=channel_layouts=stereo"
#     -c:a libopus -b:a 64k -frame_duration 20 -application voip -fflags +bitexact -f ogg talk.ogg
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-media/default}
mkdir -p "$out"

ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10" \
  -c:v libx264 -profile:v baseline -level:v 3.1 -preset veryfast -tune zerolatency \
  -b:v 2500k -maxrate 3000k -bufsize 2500k -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 \
  -x264-params repeat-headers=1:aud=1:slices=1 -pix_fmt yuv420p \
  -f h264 "$out/talk.h264"

# Simulcast layers: width height kbit/s (maxrate 1.2x, as `avcm media prepare` converts)
for layer in "640 360 600" "320 180 150"; do
  read -r width height kbps <<<"$layer"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10" -vf "scale=$width:$height:flags=bicubic" \
    -c:v libx264 -profile:v baseline -level:v 3.1 -preset veryfast -tune zerolatency \
    -b:v "${kbps}k" -maxrate "$((kbps * 6 / 5))k" -bufsize "${kbps}k" -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 \
    -x264-params repeat-headers=1:aud=1:slices=1 -pix_fmt yuv420p \
    -f h264 "$out/talk-${width}x${height}.h264"
done

ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.05:sample_rate=48000:duration=10:seed=7" \
  -filter_complex "[0:a][1:a]amix=inputs=2:duration=shortest,aformat=channel_layouts=stereo" \
  -c:a libopus -b:a 64k -frame_duration 20 -application voip -fflags +bitexact \
  -f ogg "$out/talk.ogg"

cat > "$out/clip.json" <<JSON
{
  "video": { "file": "talk.h264", "fps": 30, "width": 1280, "height": 720, "bitrateKbps": 2500, "keyframeIntervalFrames": 60 },
  "simulcast": [
    { "file": "talk.h264", "width": 1280, "height": 720, "bitrateKbps": 2500 },
    { "file": "talk-640x360.h264", "width": 640, "height": 360, "bitrateKbps": 600 },
    { "file": "talk-320x180.h264", "width": 320, "height": 180, "bitrateKbps": 150 }
  ],
  "audio": { "file": "talk.ogg", "ptimeMs": 20, "bitrateKbps": 64 }
}
JSON
ls -l "$out"
