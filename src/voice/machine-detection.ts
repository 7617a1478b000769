// Answering machine detection (the Calls API's MachineDetection): listens to what the called party says after the
// answer, in 20 ms frames, and tells a person from a machine by the shape of it, as Twilio's parameters describe it.
// A person answers with a short greeting ("Hello?") and waits; a machine talks on (its greeting runs past
// MachineDetectionSpeechThreshold); silence all along is `unknown`. With DetectMessageEnd, a machine is followed
// until its greeting ends (MachineDetectionSpeechEndThreshold of silence), so the app can leave a message after it.
// Speech is told from silence by the frame's energy alone: no words are recognised, and a beep counts as speech.
import { rms } from '../../protocols/rtp/index.js';

export type AnsweredBy = 'human' | 'machine_start' | 'machine_end_silence' | 'machine_end_other' | 'fax' | 'unknown';

export interface MachineDetectionSettings {
  /** Enable: decide as soon as possible. DetectMessageEnd: for a machine, wait for the end of its greeting. */
  mode: 'Enable' | 'DetectMessageEnd';
  /** Longest the detection may take, ms (Twilio's MachineDetectionTimeout, default 30 s). */
  timeoutMs: number;
  /** Speech longer than this is a machine's greeting, ms (default 2,400). */
  speechThresholdMs: number;
  /** Silence this long ends an utterance, ms (default 1,200). */
  speechEndThresholdMs: number;
  /** Silence this long from the answer, with no speech, is `unknown`, ms (default 5,000). */
  silenceTimeoutMs: number;
}

export const MACHINE_DETECTION_DEFAULTS: Omit<MachineDetectionSettings, 'mode'> = {
  timeoutMs: 30_000,
  speechThresholdMs: 2_400,
  speechEndThresholdMs: 1_200,
  silenceTimeoutMs: 5_000,
};

/** RMS of a 16-bit frame above which it is speech: ~-36 dBFS, well over line noise, under a quiet voice. */
const SPEECH_RMS = 500;

export interface Detection {
  answeredBy: AnsweredBy;
  /** Audio heard until the decision, ms (Twilio's MachineDetectionDuration). */
  durationMs: number;
}

/** Fed the called party's frames in order; answers once it has decided. Time is the audio's, not the wall clock's. */
export class MachineDetector {
  private heard = 0;
  private speechStartMs: number | undefined;
  private lastSpeechMs: number | undefined;
  private machine = false;
  private decided: Detection | undefined;

  constructor(private readonly s: MachineDetectionSettings) {}

  /** Audio fed so far, ms. */
  get heardMs(): number {
    return this.heard;
  }

  get result(): Detection | undefined {
    return this.decided;
  }

  /** One frame of what the called party sent; the decision once there is one. */
  feed(frame: Int16Array): Detection | undefined {
    if (this.decided) return this.decided;
    this.heard += frame.length / 8;
    const now = this.heard;
    if (rms(frame) >= SPEECH_RMS) {
      this.speechStartMs ??= now;
      this.lastSpeechMs = now;
    }
    const s = this.s;
    if (this.speechStartMs === undefined) {
      if (now >= s.silenceTimeoutMs) return this.decide('unknown');
    } else {
      const silentFor = now - this.lastSpeechMs!;
      const spoke = this.lastSpeechMs! - this.speechStartMs;
      if (!this.machine && spoke >= s.speechThresholdMs) {
        if (s.mode === 'Enable') return this.decide('machine_start');
        this.machine = true;
      }
      if (silentFor >= s.speechEndThresholdMs) {
        if (this.machine) return this.decide('machine_end_silence');
        return this.decide('human');
      }
    }
    if (now >= s.timeoutMs) return this.timedOut();
    return undefined;
  }

  /** MachineDetectionTimeout ran out (by the wall clock too: a far end that sends nothing still gets an answer). */
  timedOut(): Detection {
    return this.decided ?? this.decide(this.machine ? 'machine_end_other' : 'unknown');
  }

  private decide(answeredBy: AnsweredBy): Detection {
    this.decided = { answeredBy, durationMs: Math.round(this.heard) };
    return this.decided;
  }
}
