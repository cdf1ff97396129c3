/**
 * Registered contacts, live in sipd (kamctl ul show|add|rm, online) through the management
 * socket: ul.dump, ul.lookup, ul.add, ul.rm, ul.rm_contact, ul.online. They need a running sipd
 * (exit 5 with "try `sipctl start`" otherwise). sipd's flat contact objects are passed through
 * with one derived field, `transport`, for the table.
 */
import { notFound, usageError } from '../shared/errors.js';
import { RpcCallError } from '../mgmt/client.js';
import { isSipUri, parseUri } from '../core/index.js';
import { RpcErrorCode } from '../mgmt/protocol.js';
import type { ContactInfo } from '../mgmt/results.js';
import type { UserRef } from './aor.js';
import { rpc, type CtlContext } from './context.js';

export interface UlContact extends ContactInfo {
  /** udp, tcp, ...: the socket the REGISTER came in on, else the contact's transport parameter, else udp. */
  transport: string;
}

export interface UlAor {
  aor: string;
  contacts: UlContact[];
}

export interface UlShowResult {
  aors: UlAor[];
}

export interface UlBriefResult {
  aors: Array<{ aor: string }>;
}

/** The transport of a contact for display. */
export function transportOf(c: Pick<ContactInfo, 'socket' | 'address'>): string {
  const fromSocket = c.socket ? /^([a-z]+):/i.exec(c.socket)?.[1] : undefined;
  if (fromSocket) return fromSocket.toLowerCase();
  const param = /;transport=([a-z0-9]+)/i.exec(c.address)?.[1];
  if (param) return param.toLowerCase();
  return /^sips:/i.test(c.address) ? 'tls' : 'udp';
}

const withTransport = (a: { aor: string; contacts: ContactInfo[] }): UlAor => ({
  aor: a.aor,
  contacts: a.contacts.map((c) => ({ ...c, transport: transportOf(c) })),
});

/** A NOT_FOUND answer from sipd as a sipctl "not found" (exit 3) with a friendlier message. */
async function orNotFound<T>(p: Promise<T>, message: string, code: string): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof RpcCallError && err.rpcCode === RpcErrorCode.NOT_FOUND) {
      throw notFound(message, code, ['`sipctl ul show` lists the registered contacts']);
    }
    throw err;
  }
}

/** kamctl ul show [<user>]: every AoR, or one (exit 3 when it has no contacts). */
export async function ulShow(ctx: CtlContext, u?: UserRef): Promise<UlShowResult> {
  if (u) {
    const r = await orNotFound(
      rpc<{ aor: string; contacts: ContactInfo[] }>(ctx, 'ul.lookup', [u.aor]),
      `${u.aor} has no registered contacts`,
      'NOT_REGISTERED',
    );
    return { aors: [withTransport(r)] };
  }
  const r = await rpc<{ aors: Array<{ aor: string; contacts: ContactInfo[] }> }>(ctx, 'ul.dump');
  return { aors: r.aors.map(withTransport) };
}

/** kamctl ul show --brief: the AoRs only. */
export async function ulShowBrief(ctx: CtlContext): Promise<UlBriefResult> {
  const r = await rpc<{ aors: Array<{ aor: string }> }>(ctx, 'ul.dump', { brief: true });
  return { aors: r.aors.map((a) => ({ aor: a.aor })) };
}

/** A contact URI from the command line: sip: or sips:, angle brackets allowed. */
export function parseContact(text: string): string {
  const c = text.trim().replace(/^<(.*)>$/, '$1');
  let ok = false;
  try {
    ok = isSipUri(parseUri(c));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw usageError(`invalid contact "${text}": expected a sip: or sips: URI`, [
      'for example sip:alice@192.0.2.10:5060 (quote it when it has ;parameters)',
    ]);
  }
  return c;
}

export interface UlAddResult {
  aor: string;
  contact: UlContact;
}

/** kamctl ul add <user> <uri> [<expires>]: expires 0 (the default) is permanent. */
export async function ulAdd(
  ctx: CtlContext,
  u: UserRef,
  contact: string,
  opts: { expires?: number; q?: number } = {},
): Promise<UlAddResult> {
  const params: Record<string, unknown> = { aor: u.aor, contact: parseContact(contact) };
  if (opts.expires !== undefined) params.expires = opts.expires;
  if (opts.q !== undefined) params.q = opts.q;
  const r = await rpc<{ aor: string; contact: ContactInfo }>(ctx, 'ul.add', params);
  return { aor: r.aor, contact: { ...r.contact, transport: transportOf(r.contact) } };
}

export interface UlRmResult {
  aor: string;
  /** The contact removed, or null when every contact of the AoR was. */
  contact: string | null;
  removed: number;
}

/** kamctl ul rm <user> [<contact>]: exit 3 when there is nothing to remove. */
export async function ulRm(ctx: CtlContext, u: UserRef, contact?: string): Promise<UlRmResult> {
  if (contact === undefined) {
    const r = await orNotFound(
      rpc<{ aor: string; removed: number }>(ctx, 'ul.rm', [u.aor]),
      `${u.aor} has no registered contacts`,
      'NOT_REGISTERED',
    );
    return { aor: r.aor, contact: null, removed: r.removed };
  }
  const c = parseContact(contact);
  const r = await orNotFound(
    rpc<{ aor: string; contact: string }>(ctx, 'ul.rm_contact', [u.aor, c]),
    `${u.aor} has no contact ${c}`,
    'NO_SUCH_CONTACT',
  );
  return { aor: r.aor, contact: r.contact, removed: 1 };
}

/** kamctl online: the AoRs registered now. */
export async function ulOnline(ctx: CtlContext): Promise<{ aors: string[] }> {
  return rpc<{ aors: string[] }>(ctx, 'ul.online');
}
