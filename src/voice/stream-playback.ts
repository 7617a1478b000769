// What a bidirectional Media Stream's app sends to play: its audio, in order, and its marks, each answered once the
// audio before it has played (or been cleared). Apps often send faster than real time (a whole answer at once),
// so the audio waits here and goes to the call's media endpoint a few pieces at a time, consecutive messages joined
// into pieces of up to a second. Bounded: past MAX_QUEUED_MS of unplayed audio, new audio is dropped and counted.
import type { MediaEndpoint } from '../../protocols/rtp/index.js';

/** Pieces queued at the endpoint at once: enough that one always follows another without a gap. */
const MAX_IN_FLIGHT = 4;
const PIECE_SAMPLES = 8_000;
/** Unplayed audio held for an app, in ms (two minutes). */
export const MAX_QUEUED_MS = 120_000;
const MAX_QUEUED_SAMPLES = MAX_QUEUED_MS * 8;

type Item = { kind: 'audio'; pcm: Int16Array } | { kind: 'mark'; name: string };

export class StreamPlayback {
  private readonly waiting: Item[] = [];
  private waitingSamples = 0;
  private inFlight = 0;
  /** The last piece handed to the endpoint: a mark waits for it. */
  private lastPlay: Promise<unknown> = Promise.resolve();
  /** Samples dropped because more than MAX_QUEUED_MS was waiting. */
  dropped = 0;

  constructor(
    private readonly media: MediaEndpoint,
    private readonly answerMark: (name: string) => void,
  ) {}

  audio(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    if (this.waitingSamples + pcm.length > MAX_QUEUED_SAMPLES) {
      this.dropped += pcm.length;
      return;
    }
    this.waiting.push({ kind: 'audio', pcm });
    this.waitingSamples += pcm.length;
    this.pump();
  }

  mark(name: string): void {
    this.waiting.push({ kind: 'mark', name });
    this.pump();
  }

  /** Drops everything not yet played; every mark waiting behind it is answered, in order. */
  clear(): void {
    const marks = this.waiting.filter((i): i is Extract<Item, { kind: 'mark' }> => i.kind === 'mark').map((i) => i.name);
    this.waiting.length = 0;
    this.waitingSamples = 0;
    this.media.stopPlayback();
    // After the marks of the pieces just interrupted, which resolve first.
    void this.lastPlay.then(() => marks.forEach((name) => this.answerMark(name)));
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const item = this.waiting[0]!;
      if (item.kind === 'mark') {
        this.waiting.shift();
        const name = item.name;
        void this.lastPlay.then(() => this.answerMark(name));
        continue;
      }
      this.playPiece(this.takePiece());
    }
  }

  /** Consecutive audio at the head of the queue, up to a piece, copied once into shared memory for the media worker. */
  private takePiece(): Int16Array {
    let n = 0;
    let count = 0;
    for (const item of this.waiting) {
      if (item.kind !== 'audio' || (count > 0 && n + item.pcm.length > PIECE_SAMPLES)) break;
      n += item.pcm.length;
      count++;
    }
    const piece = new Int16Array(new SharedArrayBuffer(n * 2));
    let at = 0;
    for (const item of this.waiting.splice(0, count)) {
      if (item.kind !== 'audio') continue;
      piece.set(item.pcm, at);
      at += item.pcm.length;
    }
    this.waitingSamples -= n;
    return piece;
  }

  private playPiece(piece: Int16Array): void {
    this.inFlight++;
    const played = this.media.play(piece).catch(() => 'interrupted' as const);
    this.lastPlay = played;
    void played.then(() => {
      this.inFlight--;
      this.pump();
    });
  }
}
