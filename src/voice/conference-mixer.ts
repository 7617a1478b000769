// A conference's audio: every 20 ms (the main thread's media clock) each participant who can hear gets the sum of
// everyone else who may speak (mix-minus: never their own voice back), plus the room's own sounds (the join and
// leave beeps), clipped to 16 bits. A coach (Twilio's Coaching) is heard by the one participant they coach alone,
// and is not in the room's recording. Participants' endpoints may live in any media worker: their decoded frames come
// here as 'audio' events and the mix goes back through feed(), as a cross-worker <Dial> bridge does.
import { sharedMediaClock, type MediaClock, type MediaEndpoint } from '../../protocols/rtp/index.js';

const FRAME = 160;
/** A participant's audio not yet mixed, at most 80 ms: a late burst is trimmed rather than delaying them for good. */
const MAX_BUFFERED = FRAME * 4;

export interface MixerVoice {
  /** Counted in what the others hear (not muted, not on hold). */
  readonly speaks: boolean;
  /** Fed the mix (not on hold). */
  readonly hears: boolean;
  /** Coaching: the id (call SID) of the only participant who hears this one. */
  readonly coaches?: string | undefined;
}

class Input {
  private readonly buf = new Int16Array(MAX_BUFFERED);
  private len = 0;

  push(frame: Int16Array): void {
    const src = frame.length > MAX_BUFFERED ? frame.subarray(frame.length - MAX_BUFFERED) : frame;
    const overflow = this.len + src.length - MAX_BUFFERED;
    if (overflow > 0) {
      this.buf.copyWithin(0, overflow, this.len);
      this.len -= overflow;
    }
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** The next 20 ms into `into` (silence where nothing came); false when nothing at all came. */
  take(into: Int16Array): boolean {
    const n = Math.min(FRAME, this.len);
    into.set(this.buf.subarray(0, n));
    into.fill(0, n);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return n > 0;
  }
}

interface Seat {
  media: MediaEndpoint;
  voice: MixerVoice;
  input: Input;
  frame: Int16Array;
  onAudio: (f: Int16Array) => void;
}

/** The room's whole mix, appended 20 ms at a time into one-minute blocks, up to `max` samples. */
class MixRecording {
  private readonly blocks: Int16Array[] = [];
  private used = 0;
  private total = 0;

  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.total >= this.max;
  }

  append(frame: Int16Array | undefined): void {
    if (this.full) return;
    let block = this.blocks[this.blocks.length - 1];
    if (!block || this.used === block.length) {
      block = new Int16Array(8000 * 60);
      this.blocks.push(block);
      this.used = 0;
    }
    if (frame) block.set(frame, this.used);
    this.used += FRAME;
    this.total += FRAME;
  }

  take(): Int16Array {
    const out = new Int16Array(this.total);
    let at = 0;
    for (const b of this.blocks) {
      const n = Math.min(b.length, this.total - at);
      out.set(b.subarray(0, n), at);
      at += n;
    }
    return out;
  }
}

export class ConferenceMixer {
  private readonly seats = new Map<string, Seat>();
  private readonly sounds: { pcm: Int16Array; at: number }[] = [];
  private readonly total = new Int32Array(FRAME);
  private readonly out = new Int16Array(FRAME);
  private unsubscribe: (() => void) | undefined;
  private recording: MixRecording | undefined;
  private readonly whole = new Int16Array(FRAME);

  constructor(private readonly clock: MediaClock = sharedMediaClock()) {}

  get size(): number {
    return this.seats.size;
  }

  add(id: string, media: MediaEndpoint, voice: MixerVoice): void {
    this.remove(id);
    const input = new Input();
    const seat: Seat = { media, voice, input, frame: new Int16Array(FRAME), onAudio: (f) => input.push(f) };
    media.on('audio', seat.onAudio);
    this.seats.set(id, seat);
    this.unsubscribe ??= this.clock.subscribe(() => this.tick());
  }

  remove(id: string): void {
    const seat = this.seats.get(id);
    if (!seat) return;
    seat.media.off('audio', seat.onAudio);
    this.seats.delete(id);
    if (this.seats.size === 0) this.stop();
  }

  /** Plays `pcm` to everyone in the room who can hear, mixed over the conversation. */
  sound(pcm: Int16Array): void {
    this.sounds.push({ pcm, at: 0 });
  }

  /** Records the room's whole mix (everyone who speaks, and its sounds) from now, at most `maxSamples`. */
  startRecording(maxSamples: number): void {
    this.recording = new MixRecording(maxSamples);
  }

  /** What was recorded (silence where nobody spoke); undefined if nothing was being recorded. */
  stopRecording(): Int16Array | undefined {
    const r = this.recording;
    this.recording = undefined;
    return r?.take();
  }

  stop(): void {
    for (const [id] of this.seats) this.remove(id);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sounds.length = 0;
  }

  private tick(): void {
    const total = this.total;
    total.fill(0);
    let speakers = 0;
    let only: Seat | undefined;
    // What coaches say, by whom they coach: heard by that one participant only.
    let whispers: Map<string, Int32Array> | undefined;
    for (const seat of this.seats.values()) {
      const got = seat.input.take(seat.frame);
      // Digital silence (a phone sending comfort frames) adds nothing: it is not counted as speaking.
      if (!got || !seat.voice.speaks || !seat.frame.some((v) => v !== 0)) continue;
      const coached = seat.voice.coaches;
      if (coached !== undefined) {
        whispers ??= new Map();
        let w = whispers.get(coached);
        if (!w) whispers.set(coached, (w = new Int32Array(FRAME)));
        for (let i = 0; i < FRAME; i++) w[i]! += seat.frame[i]!;
        continue;
      }
      speakers++;
      only = seat;
      const f = seat.frame;
      for (let i = 0; i < FRAME; i++) total[i]! += f[i]!;
    }
    const sound = this.sounds[0];
    if (sound) {
      const n = Math.min(FRAME, sound.pcm.length - sound.at);
      for (let i = 0; i < n; i++) total[i]! += sound.pcm[sound.at + i]!;
      sound.at += n;
      if (sound.at >= sound.pcm.length) this.sounds.shift();
    }
    if (speakers === 0 && !sound) {
      this.recording?.append(undefined);
      if (!whispers) return;
    } else if (this.recording) {
      for (let i = 0; i < FRAME; i++) this.whole[i] = clip(total[i]!);
      this.recording.append(this.whole);
    }
    const out = this.out;
    for (const [id, seat] of this.seats) {
      if (!seat.voice.hears) continue;
      const whisper = whispers?.get(id);
      // Nothing but their own voice to hear (or nothing at all): the endpoint fills the gap with silence.
      if (!whisper && !sound && (speakers === 0 || (speakers === 1 && only === seat))) continue;
      // A coach's voice never went into the total, so there is none of it to take out.
      const own = seat.voice.speaks && seat.voice.coaches === undefined ? seat.frame : undefined;
      for (let i = 0; i < FRAME; i++) out[i] = clip(total[i]! - (own ? own[i]! : 0) + (whisper ? whisper[i]! : 0));
      seat.media.feed(out);
    }
  }
}

function clip(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
