export { splitAnnexB, groupAccessUnits, type AccessUnit } from './annexb.js';
export { readOggOpus, type OggOpus } from './ogg.js';
export { convertVideo, convertAudio, runFfmpeg, mediaCacheDir, type VideoSettings, type AudioSettings, type ConvertOptions, type Converted } from './ffmpeg.js';
export { loadMediaLibrary, prepareMediaFiles, checkAlignedLayers, videoTrackFromAnnexB, audioTrackFromOgg, mediaSummary, type MediaLibrary, type VideoTrack, type VideoFrame, type AudioTrack, type LoadOptions, type MediaSummary } from './library.js';
