// Package recording stores calls at rest: it aligns the citizen's and the
// counselor's G.711 RTP streams into one stereo WAV (citizen left, counselor
// right), encrypts it as it goes with AES-256-GCM in authenticated chunks,
// reads it back for playback, plans retention with legal holds, and offers
// the analysis tests need (per-channel RMS and tone detection).
//
// G.711 decoding uses github.com/zaf/g711 v1.4.0. Nothing here holds a whole
// call in memory: the mixer keeps one second per side and the writer one
// chunk.
package recording
