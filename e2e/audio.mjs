// Audio of the phone tests: tones for Chromium's microphone, the channels of
// a call's recording, and what a page's WebRTC peer hears, each measured as
// the 100 ms windows in which a tone carries most of the energy.

import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';

/** A mono 16-bit WAV of a sine, for Chromium's fake microphone. */
export function toneWav(hz, secs, rate = 48000) {
  const n = rate * secs;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  return b;
}

/** The samples of one channel of a 16-bit stereo WAV. */
export function channel(wav, ch) {
  let off = 12;
  let fmt = null;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: wav.readUInt16LE(off + 10), rate: wav.readUInt32LE(off + 12), bits: wav.readUInt16LE(off + 22) };
    if (id === 'data') {
      assert.deepEqual(fmt, { channels: 2, rate: 8000, bits: 16 }, 'the recording is 8 kHz 16-bit stereo');
      const end = Math.min(wav.length, off + 8 + size);
      const out = new Float64Array(Math.floor((end - off - 8) / 4));
      for (let i = 0; i < out.length; i++) out[i] = wav.readInt16LE(off + 8 + i * 4 + ch * 2);
      return out;
    }
    off += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in the recording');
}

/**
 * The 100 ms windows of x in which a tone of hz carries most of the energy
 * (Goertzel power against the window's energy; 1 for a pure tone). share
 * lowers the bar for a mix: two voices at once each carry about half.
 */
export function toneWindows(x, hz, rate = 8000, share = 0.5) {
  const n = rate / 10;
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let count = 0;
  for (let start = 0; start + n <= x.length; start += n) {
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = start; i < start + n; i++) {
      const s = x[i] + k * s1 - s2;
      s2 = s1;
      s1 = s;
      energy += x[i] * x[i];
    }
    const p = s1 * s1 + s2 * s2 - k * s1 * s2;
    if (energy > n * 100 * 100 && p / ((energy * n) / 2) > share) count++;
  }
  return count;
}

/**
 * Gives a page its own microphone, a sine of hz (Chromium's fake device is
 * one file for the whole browser, and two people in one call must be told
 * apart), and keeps its peer connections where hears() finds them. Call it
 * before the page loads the app.
 */
export async function toneMic(page, hz) {
  await page.addInitScript((hz) => {
    const Peer = window.RTCPeerConnection;
    window.__peers = [];
    window.RTCPeerConnection = class extends Peer {
      constructor(...args) {
        super(...args);
        window.__peers.push(this);
      }
    };
    navigator.mediaDevices.getUserMedia = async () => {
      const ctx = new AudioContext({ sampleRate: 48000 });
      const osc = ctx.createOscillator();
      osc.frequency.value = hz;
      const gain = ctx.createGain();
      gain.gain.value = 0.35;
      const dst = ctx.createMediaStreamDestination();
      osc.connect(gain).connect(dst);
      osc.start();
      await ctx.resume();
      return dst.stream;
    };
  }, hz);
}

/**
 * What the page's connected peer plays for ms: for each of hzs, the 100 ms
 * windows in which that tone stands 30 dB above the spectrum's median.
 */
export async function hears(page, hzs, ms) {
  return page.evaluate(
    async ({ hzs, ms }) => {
      const pc = window.__peers.findLast((p) => p.connectionState === 'connected');
      if (!pc) throw new Error('no connected peer on this page');
      const track = pc.getReceivers().find((r) => r.track?.kind === 'audio')?.track;
      const ctx = new AudioContext({ sampleRate: 48000 });
      await ctx.resume();
      const an = ctx.createAnalyser();
      an.fftSize = 4096;
      an.smoothingTimeConstant = 0;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
      const bins = new Float32Array(an.frequencyBinCount);
      const width = ctx.sampleRate / an.fftSize;
      const counts = Object.fromEntries(hzs.map((hz) => [hz, 0]));
      for (let t = 0; t < ms; t += 100) {
        await new Promise((r) => setTimeout(r, 100));
        an.getFloatFrequencyData(bins);
        // The median of the telephone band is the floor a tone stands on.
        const band = Array.from(bins.subarray(Math.round(200 / width), Math.round(3400 / width))).sort((a, b) => a - b);
        const floor = band[band.length >> 1];
        for (const hz of hzs) {
          const i = Math.round(hz / width);
          const peak = Math.max(bins[i - 1], bins[i], bins[i + 1]);
          if (peak > -70 && peak - floor > 30) counts[hz]++;
        }
      }
      await ctx.close();
      return counts;
    },
    { hzs, ms },
  );
}

/** The stored recording of a contact, as WAV bytes, once it is stored. */
export async function recordingOf(url, cookie, contactId) {
  let rec;
  await eventually(
    async () => {
      const r = await fetch(`${url}/api/contacts/${contactId}/recordings`, { headers: { cookie } });
      assert.equal(r.status, 200);
      rec = (await r.json()).find((x) => x.sha256);
      assert.ok(rec, 'the recording is stored');
    },
    { timeout: 10_000 },
  );
  const audio = await fetch(`${url}/api/recordings/${rec.id}/audio`, { headers: { cookie } });
  assert.equal(audio.status, 200);
  return Buffer.from(await audio.arrayBuffer());
}
