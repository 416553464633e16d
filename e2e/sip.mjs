// The SIP side of the phone tests: sipp (Debian package sip-tester, from
// scripts/deps.sh), a free port, and an RTP socket standing in for the
// caller's handset. Without sipp the tests skip, except in CI, where
// importing this fails.

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';

function findSipp() {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}
export const sipp = findSipp();
if (!sipp && process.env.CI) throw new Error('sipp is not installed; scripts/deps.sh installs it (Debian package sip-tester)');

/** A UDP port free on loopback now (the kernel picks it; we let it go). */
export async function freePort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The caller's media: counts the RTP the server sends (its IVR prompts) and
 * sends RFC 4733 key presses back to where they came from.
 */
export async function rtpPeer() {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const peer = { sock, packets: 0, voiced: 0, from: null, seq: 1, ts: 0, heard: null };
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12 || msg[0] >> 6 !== 2) return;
    peer.packets++;
    // Voiced: a packet that is not all PCMU silence (0xff, 0x7f).
    if (msg.subarray(12).some((b) => b !== 0xff && b !== 0x7f)) peer.voiced++;
    peer.from = rinfo;
    // What this handset hears, while a test listens (PCMU, payload type 0).
    if (peer.heard && (msg[1] & 0x7f) === 0) for (const b of msg.subarray(12)) peer.heard.push(unulaw(b));
  });
  /** The samples the server sent this handset for ms. */
  peer.listen = async (ms) => {
    peer.heard = [];
    await new Promise((r) => setTimeout(r, ms));
    const got = Float64Array.from(peer.heard);
    peer.heard = null;
    return got;
  };
  /** One key as three updates and three end packets, paced like a phone. */
  peer.press = async (digit) => {
    if (!peer.from) return false;
    peer.ts += 1600;
    for (let i = 0; i < 6; i++) {
      const pkt = Buffer.alloc(16);
      pkt[0] = 0x80;
      pkt[1] = 101 | (i === 0 ? 0x80 : 0); // telephone-event; marker on a new event
      pkt.writeUInt16BE((peer.seq + i) & 0xffff, 2);
      pkt.writeUInt32BE(peer.ts >>> 0, 4);
      pkt.writeUInt32BE(0x4d494e57, 8);
      pkt[12] = Number(digit);
      pkt[13] = 10 | (i >= 3 ? 0x80 : 0); // volume; end bit on the last three
      pkt.writeUInt16BE(i >= 3 ? 640 : 160 * (i + 1), 14);
      await new Promise((r) => sock.send(pkt, peer.from.port, peer.from.address, r));
      await new Promise((r) => setTimeout(r, 20));
    }
    peer.seq += 6;
    return true;
  };
  /** Shouts for ms: PCMU 0x80 is the loudest positive sample, paced as a phone sends. */
  peer.shout = async (ms) => {
    for (let t = 0; t < ms; t += 20) {
      const pkt = Buffer.alloc(12 + 160, 0x80);
      pkt[0] = 0x80;
      pkt[1] = 0; // PCMU
      peer.seq++;
      peer.ts += 160;
      pkt.writeUInt16BE(peer.seq & 0xffff, 2);
      pkt.writeUInt32BE(peer.ts >>> 0, 4);
      pkt.writeUInt32BE(0x4d494e57, 8);
      await new Promise((r) => sock.send(pkt, peer.from.port, peer.from.address, r));
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /**
   * Speaks a sine of hz for ms as the caller: 20 ms PCMU packets, paced in
   * real time, the phase running on across calls.
   */
  peer.phase = 0;
  peer.tone = async (hz, ms) => {
    if (!peer.from) return false;
    for (let sent = 0; sent < ms; sent += 20) {
      const pkt = Buffer.alloc(12 + 160);
      pkt[0] = 0x80;
      pkt[1] = 0; // PCMU
      peer.seq = (peer.seq + 1) & 0xffff;
      peer.ts = (peer.ts + 160) >>> 0;
      pkt.writeUInt16BE(peer.seq, 2);
      pkt.writeUInt32BE(peer.ts, 4);
      pkt.writeUInt32BE(0x4d494e57, 8);
      for (let i = 0; i < 160; i++) {
        pkt[12 + i] = ulaw(Math.round(8000 * Math.sin(peer.phase)));
        peer.phase += (2 * Math.PI * hz) / 8000;
      }
      await new Promise((r) => sock.send(pkt, peer.from.port, peer.from.address, r));
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  };
  peer.close = () => new Promise((r) => sock.close(r));
  return peer;
}

/** Runs sipp to the end; resolves with its exit and output. */
export function runSipp(args, cwd) {
  const p = spawn(sipp, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b) => (out = (out + b).slice(-8000)));
  p.stderr.on('data', (b) => (out = (out + b).slice(-8000)));
  const done = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { p, done, out: () => out };
}

/** G.711 µ-law of one 16-bit sample (ITU-T G.711, with the usual bias). */
export function ulaw(sample) {
  const sign = sample < 0 ? 0x80 : 0;
  let v = Math.min(Math.abs(sample), 32635) + 0x84;
  let exp = 7;
  for (let mask = 0x4000; (v & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (v >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

/** The 16-bit sample of one G.711 µ-law byte. */
export function unulaw(u) {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}
