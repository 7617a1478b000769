// A conference room's recording of its mix (`record="record-from-start"`), which the Conference Recordings API can
// pause (the pause left out, or kept as silence), resume and stop while the room runs. The mixer records one
// stretch at a time; the stretches and kept pauses are joined when the recording ends.
import { concat } from '../../protocols/rtp/index.js';
import type { PauseBehavior } from './live-recordings.js';

/** What the recording needs of the room's mixer. */
export interface MixRecorder {
  startRecording(maxSamples: number): void;
  stopRecording(): Int16Array | undefined;
}

export type RoomRecordingStatus = 'in-progress' | 'paused' | 'stopped';

export class RoomRecording {
  status: RoomRecordingStatus = 'in-progress';
  readonly startTime = Date.now();
  dateUpdated = this.startTime;
  private readonly pieces: Int16Array[] = [];
  private kept = 0;
  private pausedAt = 0;
  private behavior: PauseBehavior = 'silence';

  constructor(
    private readonly mixer: MixRecorder,
    /** The SID and URL it was announced under. */
    readonly id: { sid: string; url: string },
    private readonly maxSamples: number,
  ) {
    mixer.startRecording(maxSamples);
  }

  pause(behavior: PauseBehavior): void {
    if (this.status !== 'in-progress') return;
    this.endStretch();
    this.status = 'paused';
    this.pausedAt = Date.now();
    this.behavior = behavior;
    this.dateUpdated = this.pausedAt;
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.keepPause();
    this.status = 'in-progress';
    this.dateUpdated = Date.now();
    this.mixer.startRecording(Math.max(0, this.maxSamples - this.kept));
  }

  /** Ends it (once) and returns the whole recording; empty when it was already stopped. */
  finish(): Int16Array {
    if (this.status === 'stopped') return new Int16Array(0);
    if (this.status === 'in-progress') this.endStretch();
    else this.keepPause();
    this.status = 'stopped';
    this.dateUpdated = Date.now();
    const all = concat(this.pieces);
    this.pieces.length = 0;
    return all;
  }

  private endStretch(): void {
    const pcm = this.mixer.stopRecording() ?? new Int16Array(0);
    this.pieces.push(pcm);
    this.kept += pcm.length;
  }

  private keepPause(): void {
    if (this.behavior !== 'silence') return;
    const samples = Math.min(Math.round((Date.now() - this.pausedAt) * 8), this.maxSamples - this.kept);
    if (samples <= 0) return;
    this.pieces.push(new Int16Array(samples));
    this.kept += samples;
  }
}
