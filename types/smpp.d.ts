// Hand-written types for smpp@0.5.1 (node-smpp), covering what protocols/smpp and the sandbox SMSC use.
// PDU fields are dynamic in the library (one property per SMPP parameter or TLV); we type the ones we read.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Socket, Server as NetServer } from 'node:net';

  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    system_id?: string;
    password?: string;
    system_type?: string;
    interface_version?: number;
    addr_ton?: number;
    addr_npi?: number;
    address_range?: string;
    service_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    protocol_id?: number;
    priority_flag?: number;
    schedule_delivery_time?: string;
    validity_period?: string;
    registered_delivery?: number;
    replace_if_present_flag?: number;
    data_coding?: number | null;
    sm_default_msg_id?: number;
    /** Raw bytes once protocols/smpp/wire.ts has removed the library's text filters. */
    short_message?: Buffer;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    network_error_code?: Buffer;
    message_payload?: Buffer;
    sar_msg_ref_num?: number;
    sar_total_segments?: number;
    sar_segment_seqnum?: number;
    user_message_reference?: number;
  }

  export class PDU implements PduFields {
    constructor(command: string, options?: PduFields);
    static maxLength: number;
    static fromBuffer(buffer: Buffer): PDU | false;
    command: string;
    command_id: number;
    command_length: number;
    command_status: number;
    sequence_number: number;
    isResponse(): boolean;
    response(options?: PduFields): PDU;
    toBuffer(): Buffer;

    system_id?: string;
    password?: string;
    system_type?: string;
    interface_version?: number;
    service_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    protocol_id?: number;
    priority_flag?: number;
    schedule_delivery_time?: string;
    validity_period?: string;
    registered_delivery?: number;
    replace_if_present_flag?: number;
    data_coding?: number | null;
    sm_default_msg_id?: number;
    short_message?: Buffer;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    network_error_code?: Buffer;
    message_payload?: Buffer;
    sar_msg_ref_num?: number;
    sar_total_segments?: number;
    sar_segment_seqnum?: number;
    user_message_reference?: number;
  }

  export interface SessionOptions {
    host?: string;
    port?: number;
    url?: string;
    tls?: boolean;
    socket?: Socket;
    auto_enquire_link_period?: number;
  }

  export class Session extends EventEmitter {
    constructor(options: SessionOptions);
    socket: Socket;
    sequence: number;
    paused: boolean;
    server?: Server;
    /** Returns false (and sends nothing) when the socket is not writable. */
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    connect(): void;
    on(event: 'pdu', listener: (pdu: PDU) => void): this;
    on(event: 'connect' | 'close' | 'secureConnect', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string, listener: (pdu: PDU) => void): this;
  }

  export class Server extends NetServer {
    sessions: Session[];
    on(event: 'session', listener: (session: Session) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export interface ServerOptions {
    key?: string | Buffer;
    cert?: string | Buffer;
  }

  export function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
  export function createServer(listener?: (session: Session) => void): Server;
  export function connect(options: SessionOptions, listener?: () => void): Session;
  export function createSession(options: SessionOptions, listener?: () => void): Session;

  export interface ParamDef {
    type: unknown;
    filter?: { encode(value: unknown): unknown; decode(value: unknown): unknown };
    default?: unknown;
  }
  export interface CommandDef {
    id: number;
    params?: Record<string, ParamDef>;
  }
  export interface TlvDef {
    id: number;
    type: unknown;
    filter?: ParamDef['filter'];
    multiple?: boolean;
  }
  export const commands: Record<string, CommandDef>;
  export const tlvs: Record<string, TlvDef>;

  const smpp: {
    PDU: typeof PDU;
    Session: typeof Session;
    Server: typeof Server;
    createServer: typeof createServer;
    connect: typeof connect;
    createSession: typeof createSession;
    commands: typeof commands;
    tlvs: typeof tlvs;
  };
  export default smpp;
}
