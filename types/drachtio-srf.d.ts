// Hand-written types for drachtio-srf 5.0.29 (untyped CommonJS): the subset tandem uses.
declare module 'drachtio-srf' {
  import { EventEmitter } from 'node:events';

  namespace Srf {
    interface SipMessageLike {
      method: string;
      uri: string;
      status: number;
      reason: string;
      body: string;
      headers: Record<string, string>;
      get(name: string): string | undefined;
      has(name: string): boolean;
      getParsedHeader(name: string): any;
      readonly raw: string;
      readonly calledNumber: string;
      readonly callingNumber: string;
    }

    interface SrfRequest extends SipMessageLike, EventEmitter {
      source: 'network' | 'application';
      source_address: string;
      source_port: number;
      protocol: string;
      stackTxnId: string;
      stackDialogId: string;
      receivedOn?: string;
      canceled?: boolean;
      cancel(opts?: { headers?: Record<string, string> }, cb?: (err: Error | null, req?: SrfRequest) => void): void;
    }

    interface SrfResponse extends SipMessageLike, EventEmitter {
      statusCode: number;
      finalResponseSent: boolean;
      send(status: number, reason?: string | SendOptions, opts?: SendOptions | ((err: unknown, msg: SipMessageLike) => void),
        cb?: (err: unknown, msg: SipMessageLike) => void): void;
      send(status: number, opts: SendOptions, cb?: (err: unknown, msg: SipMessageLike) => void): void;
    }

    interface SendOptions { headers?: Record<string, string>; body?: string }

    interface Dialog extends EventEmitter {
      readonly id: string;
      type: 'uas' | 'uac';
      sip: { callId: string; localTag: string; remoteTag: string };
      local: { uri: string; sdp: string; contact: string };
      remote: { uri: string; sdp: string };
      connected: boolean;
      destroy(opts?: { headers?: Record<string, string> }): Promise<SrfRequest>;
      modify(sdp: string, opts?: { headers?: Record<string, string> }): Promise<string>;
      request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<SrfRequest>;
      on(event: 'destroy', fn: (req: SrfRequest, reason?: string) => void): this;
      on(event: 'ack', fn: (req: SrfRequest) => void): this;
      on(event: 'modify' | 'info' | 'refer' | 'notify' | 'update' | 'options' | 'message',
        fn: (req: SrfRequest, res: SrfResponse) => void): this;
      on(event: string, fn: (...args: any[]) => void): this;
    }

    interface ConnectOptions {
      host: string;
      port: number;
      secret: string;
      tags?: string[];
      enablePing?: boolean;
      pingInterval?: number;
      reconnect?: { retryMaxDelay?: number; maxAttempts?: number; connectTimeout?: number };
    }

    interface UacOptions {
      localSdp?: string;
      headers?: Record<string, string>;
      proxy?: string;
      auth?: { username: string; password: string } | ((req: SrfRequest, res: SrfResponse, cb: (err: Error | null, user?: string, pass?: string) => void) => void);
      callingNumber?: string;
      calledNumber?: string;
      followRedirects?: boolean;
    }

    interface UacProgress {
      cbRequest?: (err: Error | null, req: SrfRequest) => void;
      cbProvisional?: (res: SrfResponse) => void;
    }

    interface SipErrorLike extends Error { status: number; reason: string; res?: SrfResponse }
  }

  type Handler = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: (err?: unknown) => void) => void;

  class Srf extends EventEmitter {
    constructor(tags?: string | string[]);
    connect(opts: Srf.ConnectOptions, cb?: (err: Error | null, hostport: string) => void): this;
    disconnect(): void;
    invite(handler: Handler): void;
    options(handler: Handler): void;
    bye(handler: Handler): void;
    info(handler: Handler): void;
    message(handler: Handler): void;
    register(handler: Handler): void;
    use(method: string | Handler, handler?: Handler): void;
    createUAS(req: Srf.SrfRequest, res: Srf.SrfResponse, opts: { localSdp: string | (() => Promise<string>); headers?: Record<string, string> }): Promise<Srf.Dialog>;
    createUAC(uri: string, opts: Srf.UacOptions, progress?: Srf.UacProgress): Promise<Srf.Dialog>;
    createB2BUA(req: Srf.SrfRequest, res: Srf.SrfResponse, uri: string, opts: Srf.UacOptions & { localSdpB?: string; localSdpA?: string }): Promise<{ uas: Srf.Dialog; uac: Srf.Dialog }>;
    request(uri: string, opts: { method: string; headers?: Record<string, string>; body?: string; proxy?: string },
      cb?: (err: Error | null, req: Srf.SrfRequest) => void): void;
    findDialogById(id: string): Srf.Dialog | undefined;
    findDialogByCallIDAndFromTag(callId: string, tag: string): Srf.Dialog | undefined;
    on(event: 'connect', fn: (err: Error | null, hostport: string, version?: string, localHostports?: string) => void): this;
    on(event: 'cdr:attempt', fn: (source: string, time: string, msg: Srf.SipMessageLike) => void): this;
    on(event: 'cdr:start' | 'cdr:stop', fn: (source: string, time: string, roleOrReason: string, msg: Srf.SipMessageLike) => void): this;
    on(event: string, fn: (...args: any[]) => void): this;
    static SipError: new (status: number, reason?: string) => Srf.SipErrorLike;
  }

  export = Srf;
}
