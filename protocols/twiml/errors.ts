/**
 * Twilio error codes a TwiML document can earn, with the wording Twilio uses.
 * Only the codes this parser emits are listed; see twilio-compat §13, §14, §18.
 */
export const TwimlCode = {
  DocumentParseFailure: 12100,
  RootNotResponse: 12102,
  SchemaValidation: 12200,

  // Messaging (§13). Invalid method on <Message>/<Redirect> → 14104.
  MessageInvalidTo: 14101,
  MessageInvalidFrom: 14102,
  MessageInvalidBody: 14103,
  MessageInvalidMethod: 14104,
  MessageInvalidStatusCallback: 14105,
  VerbNotValidForSms: 14110,

  // Voice (§14), numbered as in Twilio's error list.
  DialInvalidMethod: 13210,
  DialInvalidTimeout: 13212,
  DialInvalidHangupOnStar: 13213,
  DialInvalidCallerId: 13214,
  DialInvalidNestedElement: 13215,
  DialInvalidTimeLimit: 13216,
  DialInvalidRecord: 13217,
  DialNumberInvalidMethod: 13221,
  ConferenceInvalidMuted: 13230,
  ConferenceInvalidEndOnExit: 13231,
  ConferenceInvalidStartOnEnter: 13232,
  ConferenceInvalidWaitUrl: 13233,
  ConferenceInvalidWaitMethod: 13234,
  ConferenceInvalidBeep: 13235,
  DialNumberInvalidSendDigits: 13222,
  DialInvalidNumberFormat: 13223,
  GatherInvalidFinishOnKey: 13310,
  GatherInvalidMethod: 13312,
  GatherInvalidTimeout: 13313,
  GatherInvalidNumDigits: 13314,
  GatherInvalidNestedVerb: 13320,
  GatherSayInvalidLoop: 13322,
  GatherInvalidSpeechTimeout: 13327,
  GatherInvalidMaxSpeechTime: 13328,
  GatherInvalidBargeIn: 13332,
  GatherInvalidActionOnEmptyResult: 13338,
  PlayInvalidLoop: 13410,
  SayInvalidLoop: 13510,
  SayInvalidVoice: 13511,
  SayInvalidText: 13520,
  RecordInvalidMethod: 13610,
  RecordInvalidTimeout: 13611,
  RecordInvalidMaxLength: 13612,
  RecordInvalidFinishOnKey: 13613,
  RecordInvalidTranscribe: 13614,
  RecordInvalidPlayBeep: 13616,
  RedirectInvalidMethod: 13710,
  RejectInvalidReason: 13810,
  PauseInvalidLength: 13910,
  EnqueueInvalidMethod: 14201,
  EnqueueInvalidWaitUrl: 14202,
  EnqueueInvalidAction: 14203,
  EnqueueNameTooShort: 14204,
  EnqueueNameTooLong: 14205,
  EnqueueInvalidWaitUrlMethod: 14206,
  DialQueueNameTooShort: 14212,
  DialQueueNameTooLong: 14213,
} as const;

export type TwimlFailure = { ok: false; code: number; message: string };

/**
 * Thrown inside the parser to abandon the whole document at the first problem:
 * callers only ever see a complete verb list or a failure, never a prefix.
 */
export class TwimlProblem extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwimlProblem';
  }
}
