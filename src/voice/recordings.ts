// Call recordings: the audio as an 8 kHz 16-bit mono WAV under <dataDir>/recordings/<AC>/<RE>.wav, and a record
// in LMDB with its place in the account's and the call's lists (newest first, Twilio's list order). The file is
// written (and renamed into place) before the record commits, so a listed recording always has its audio.
import type { Database, RootDatabase } from 'lmdb';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeWav } from '../../protocols/rtp/index.js';
import { newSid } from '../util/sid.js';
import type { RecordingMeta, RecordingSaved } from '../../actors/call/verb-context.js';

export type RecordingSource = 'RecordVerb' | 'DialVerb' | 'OutboundAPI' | 'StartCallRecordingAPI' | 'StartCallRecordingTwiML' | 'Conference';
export type RecordingStatus = 'completed' | 'absent' | 'deleted';
export type RecordingTrack = 'inbound' | 'outbound' | 'both';

/** What a recording from this source takes when it does not say: <Record> hears the caller; the rest, both sides. */
export function defaultTrack(source: RecordingSource): RecordingTrack {
  return source === 'RecordVerb' ? 'inbound' : 'both';
}

export interface RecordingRecord {
  sid: string;
  accountSid: string;
  callSid: string | null;
  /** A conference's recording (its mix); absent on older records. */
  conferenceSid?: string | null;
  source: RecordingSource;
  status: RecordingStatus;
  channels: number;
  /** What it took of the call (the Call Recordings API's track); absent on older records. */
  track?: RecordingTrack;
  /** Whole seconds, as Twilio reports RecordingDuration. */
  durationSeconds: number;
  /** Per channel. */
  samples: number;
  /** When the audio started (epoch ms). */
  startTime: number;
  dateCreated: number;
  dateUpdated: number;
}

export interface NewRecording {
  accountSid: string;
  callSid: string | null;
  conferenceSid?: string;
  /** 8 kHz, mono or (channels 2) interleaved stereo. */
  pcm: Int16Array;
  channels?: 1 | 2;
  track?: RecordingTrack;
  source: RecordingSource;
  /** Epoch ms the audio started; defaults to now minus its length. */
  startTime?: number;
  /** The SID reserved (and announced) when the recording started; a new one when absent. */
  sid?: string;
}

export interface RecordingsOptions {
  root: RootDatabase;
  dataDir: string;
  /** TANDEM_PUBLIC_URL: recording URLs handed to apps start with it. */
  publicUrl: string;
}

type ListKey = [string, number, string];

/** Twilio reports whole seconds; any audio at all is at least one. */
export function wholeSeconds(samples: number): number {
  return samples === 0 ? 0 : Math.max(1, Math.round(samples / 8000));
}

export class Recordings {
  /** key: RE sid */
  readonly records: Database<RecordingRecord, string>;
  /** key: [accountSid, -dateCreated, sid] → sid */
  readonly byAccount: Database<string, ListKey>;
  /** key: [callSid, -dateCreated, sid] → sid */
  readonly byCall: Database<string, ListKey>;
  /** key: [conferenceSid, -dateCreated, sid] → sid */
  readonly byConference: Database<string, ListKey>;
  private readonly dir: string;
  private readonly publicUrl: string;

  constructor(opts: RecordingsOptions) {
    this.records = opts.root.openDB<RecordingRecord, string>({ name: 'recordings' });
    this.byAccount = opts.root.openDB<string, ListKey>({ name: 'recordings_by_account' });
    this.byCall = opts.root.openDB<string, ListKey>({ name: 'recordings_by_call' });
    this.byConference = opts.root.openDB<string, ListKey>({ name: 'recordings_by_conference' });
    this.dir = join(opts.dataDir, 'recordings');
    this.publicUrl = opts.publicUrl.replace(/\/+$/, '');
  }

  /** A SID and URL for a recording that has just started (its in-progress callback names them); save() takes the SID. */
  reserve(accountSid: string): { sid: string; url: string } {
    const sid = newSid('RE');
    return { sid, url: this.url({ sid, accountSid }) };
  }

  /** How a call's recordings are stored (<Record>, <Dial record>, Record=true, live recordings). */
  async saveCallRecording(call: { accountSid: string; sid: string }, pcm: Int16Array, meta: RecordingMeta): Promise<RecordingSaved> {
    const r = await this.save({
      accountSid: call.accountSid,
      callSid: call.sid,
      pcm,
      source: meta.source,
      channels: meta.channels ?? 1,
      ...(meta.track !== undefined && { track: meta.track }),
      ...(meta.sid !== undefined && { sid: meta.sid }),
    });
    return { sid: r.sid, url: this.url(r), durationSeconds: r.durationSeconds, channels: r.channels === 2 ? 2 : 1 };
  }

  /** What a conference room needs: a SID when its recording starts, and the mix stored under it (source Conference). */
  conferenceRecorder(): {
    newRecording(accountSid: string): { sid: string; url: string };
    saveRecording(c: { accountSid: string; conferenceSid: string; pcm: Int16Array; startTime: number; sid: string }): Promise<{ sid: string; url: string; durationSeconds: number }>;
  } {
    return {
      newRecording: (accountSid) => this.reserve(accountSid),
      saveRecording: async (c) => {
        const r = await this.save({ accountSid: c.accountSid, callSid: null, conferenceSid: c.conferenceSid, pcm: c.pcm, source: 'Conference', startTime: c.startTime, sid: c.sid });
        return { sid: r.sid, url: this.url(r), durationSeconds: r.durationSeconds };
      },
    };
  }

  /** Writes the WAV, then the record and its list entries in one commit. */
  async save(n: NewRecording): Promise<RecordingRecord> {
    const now = Date.now();
    const sid = n.sid ?? newSid('RE');
    const channels = n.channels ?? 1;
    const samples = Math.floor(n.pcm.length / channels);
    const r: RecordingRecord = {
      sid,
      accountSid: n.accountSid,
      callSid: n.callSid,
      conferenceSid: n.conferenceSid ?? null,
      source: n.source,
      status: 'completed',
      channels,
      track: n.track ?? defaultTrack(n.source),
      durationSeconds: wholeSeconds(samples),
      samples,
      startTime: n.startTime ?? now - Math.round(samples / 8),
      dateCreated: now,
      dateUpdated: now,
    };
    const file = this.filePath(r);
    await mkdir(join(this.dir, r.accountSid), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, writeWav(n.pcm, 8000, channels));
    await rename(tmp, file);
    // Puts issued in one turn commit together (db.ts), so the record never shows without its list entries.
    await Promise.all([
      this.records.put(sid, r),
      this.byAccount.put([r.accountSid, -now, sid], sid),
      r.callSid ? this.byCall.put([r.callSid, -now, sid], sid) : true,
      r.conferenceSid ? this.byConference.put([r.conferenceSid, -now, sid], sid) : true,
    ]);
    return r;
  }

  get(sid: string): RecordingRecord | undefined {
    return this.records.get(sid);
  }

  /** Where the WAV lives on disk. */
  filePath(r: Pick<RecordingRecord, 'sid' | 'accountSid'>): string {
    return join(this.dir, r.accountSid, `${r.sid}.wav`);
  }

  /** The API path of the recording, without extension (Twilio's RecordingUrl form). */
  path(r: Pick<RecordingRecord, 'sid' | 'accountSid'>): string {
    return `/2010-04-01/Accounts/${r.accountSid}/Recordings/${r.sid}`;
  }

  /** RecordingUrl as apps receive it: public base + path, no extension (`.wav` fetches the audio). */
  url(r: Pick<RecordingRecord, 'sid' | 'accountSid'>): string {
    return this.publicUrl + this.path(r);
  }

  async readWav(r: RecordingRecord): Promise<Buffer> {
    return readFile(this.filePath(r));
  }

  /** Removes the record, its list entries and its audio. */
  async remove(r: RecordingRecord): Promise<void> {
    await Promise.all([
      this.records.remove(r.sid),
      this.byAccount.remove([r.accountSid, -r.dateCreated, r.sid]),
      r.callSid ? this.byCall.remove([r.callSid, -r.dateCreated, r.sid]) : true,
      r.conferenceSid ? this.byConference.remove([r.conferenceSid, -r.dateCreated, r.sid]) : true,
    ]);
    await rm(this.filePath(r), { force: true });
  }
}
