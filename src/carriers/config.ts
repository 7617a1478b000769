// The carriers file (TANDEM_CARRIERS): which SMPP carriers tandem binds to and which destinations each serves.
// Without a file, tandem binds to its own sandbox SMSC.
import { readFileSync } from 'node:fs';
import type { BindType } from '../../protocols/smpp/esme-session.js';

export interface SmppCarrierConfig {
  name: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  bindType: BindType;
  /** Parallel SMPP sessions to open. */
  binds: number;
  /** Outstanding submit_sm per session. */
  window: number;
  /** submit_sm per second per session; 0 = unlimited. */
  maxSubmitRate: number;
  /** E.164 prefixes this carrier serves ('+' = everything); the longest matching prefix wins. */
  prefixes: string[];
  enquireLinkIntervalMs: number;
  responseTimeoutMs: number;
}

export interface SipTrunkConfig {
  name: string;
  host: string;
  port: number;
  /** Source addresses allowed to send INVITEs to tandem. */
  addresses: string[];
  username?: string;
  password?: string;
}

export interface CarriersConfig {
  smpp: SmppCarrierConfig[];
  sipTrunks: SipTrunkConfig[];
}

export class CarriersConfigError extends Error {}

export function sandboxCarriers(port: number): CarriersConfig {
  return {
    smpp: [
      {
        name: 'sandbox',
        host: '127.0.0.1',
        port,
        systemId: 'tandem',
        password: 'sandbox',
        systemType: '',
        bindType: 'transceiver',
        binds: 2,
        window: 200,
        maxSubmitRate: 0,
        prefixes: ['+'],
        enquireLinkIntervalMs: 30_000,
        responseTimeoutMs: 10_000,
      },
    ],
    sipTrunks: [],
  };
}

function need<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null || v === '') throw new CarriersConfigError(`carriers file: ${what} is required`);
  return v;
}

export function parseCarriers(json: unknown): CarriersConfig {
  if (typeof json !== 'object' || json === null) throw new CarriersConfigError('carriers file must hold a JSON object');
  const o = json as { smpp?: unknown[]; sipTrunks?: unknown[] };
  const smpp = (o.smpp ?? []).map((raw, i) => {
    const c = raw as Record<string, unknown>;
    const name = String(need(c.name, `smpp[${i}].name`));
    const port = Number(c.port ?? 2775);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CarriersConfigError(`carriers file: ${name}.port is not a port`);
    const bindType = (c.bindType ?? 'transceiver') as BindType;
    if (!['transceiver', 'transmitter', 'receiver'].includes(bindType)) throw new CarriersConfigError(`carriers file: ${name}.bindType must be transceiver, transmitter or receiver`);
    const prefixes = (c.prefixes as string[] | undefined) ?? ['+'];
    if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string' || !/^\+\d*$/.test(p))) {
      throw new CarriersConfigError(`carriers file: ${name}.prefixes must be E.164 prefixes like "+1" or "+44"`);
    }
    return {
      name,
      host: String(need(c.host, `${name}.host`)),
      port,
      systemId: String(need(c.systemId, `${name}.systemId`)),
      password: String(c.password ?? ''),
      systemType: String(c.systemType ?? ''),
      bindType,
      binds: Math.max(1, Number(c.binds ?? 1)),
      window: Math.max(1, Number(c.window ?? 100)),
      maxSubmitRate: Math.max(0, Number(c.maxSubmitRate ?? 0)),
      prefixes,
      enquireLinkIntervalMs: Number(c.enquireLinkIntervalMs ?? 30_000),
      responseTimeoutMs: Number(c.responseTimeoutMs ?? 10_000),
    } satisfies SmppCarrierConfig;
  });
  const sipTrunks = (o.sipTrunks ?? []).map((raw, i) => {
    const c = raw as Record<string, unknown>;
    const name = String(need(c.name, `sipTrunks[${i}].name`));
    return {
      name,
      host: String(need(c.host, `${name}.host`)),
      port: Number(c.port ?? 5060),
      addresses: ((c.addresses as string[] | undefined) ?? [String(c.host)]).map(String),
      ...(c.username !== undefined ? { username: String(c.username) } : {}),
      ...(c.password !== undefined ? { password: String(c.password) } : {}),
    } satisfies SipTrunkConfig;
  });
  return { smpp, sipTrunks };
}

export function loadCarriers(file: string): CarriersConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CarriersConfigError(`cannot read carriers file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseCarriers(JSON.parse(text));
  } catch (e) {
    if (e instanceof CarriersConfigError) throw e;
    throw new CarriersConfigError(`carriers file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
