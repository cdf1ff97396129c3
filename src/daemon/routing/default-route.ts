/**
 * sipd's default route: the classic OpenSER "MySQL and Authentication" script with aliases, ACL
 * groups, call forwarding and NAT, written only against the routing API (sipkit/routing). Copy
 * it as the starting point of your own route (`route = "/etc/sipkit/route.js"` in sipd.conf);
 * what it does is sipd's behaviour when no route is configured. The settings it reads come from
 * sipd.conf ([auth] methods, [proxy] mode and record_route, [[acl]]).
 *
 * Before it runs, sipd has dropped banned and flooding sources, answered §16.3 violations,
 * sent 100 Trying to an INVITE, and handled ACK and CANCEL (route.ts).
 */
import { parseUriParts } from './api/message-view.js';
import { defineRoute, type FailureContext, type RequestContext, type Target } from './api/route.js';

/** usr_preferences attributes that drive call forwarding. */
export const FORWARD_ATTRIBUTES = { unconditional: 'cfu', busy: 'cfb', noAnswer: 'cfna' } as const;

export const defaultRoute = defineRoute({
  name: 'default',

  async request(ctx) {
    // §16.4: our own Route values go (in a dialog: only with our mark for it).
    ctx.looseRoute();
    // A phone's keepalive: answered before any authentication.
    if (ctx.method === 'OPTIONS' && ctx.isForMe()) return ctx.replyOptions();
    // Within a dialog: along the route set sipd signed when it record-routed the dialog; relay()
    // refuses (403) a Route without our mark and answers 404 when no Route named us.
    if (ctx.inDialog) {
      if (await inDialogMedia(ctx)) ctx.relay();
      return;
    }
    if (ctx.method === 'REGISTER') return ctx.registrar.save();
    if (!ctx.uri) return ctx.reply(416, 'Unsupported URI Scheme');

    // Our own users authenticate (407) for the methods the operator lists.
    const fromUs = ctx.isLocalDomain(ctx.msg.from.sip?.host);
    if (fromUs && ctx.settings.authMethods.includes(ctx.method) && !(await ctx.auth())) return;
    if (!ctx.user && !strangerMayProceed(ctx)) return;

    // Not one of our domains: relay only for our authenticated users (no open relay).
    if (!ctx.isLocalDomain()) {
      if (!ctx.user) return ctx.reply(403, 'Relaying Forbidden');
      return await relay(ctx);
    }
    return toLocalUser(ctx);
  },

  onFailure: forwardOnFailure,
});

/**
 * An unauthenticated caller may reach our users, not make sipd send elsewhere: a Route left after
 * ours is a hop the sender chose (§16.6 step 7; Kamailio's "Preload Route denied"), and a maddr
 * overrides the host (§19.1.1).
 */
function strangerMayProceed(ctx: RequestContext): boolean {
  if (ctx.msg.has('route')) {
    ctx.denyRelay('Preload Route denied');
    return false;
  }
  const maddr = ctx.uri?.params.get('maddr');
  if (maddr !== undefined && (maddr === null || !ctx.isMyself(maddr))) {
    ctx.denyRelay('maddr in Request-URI');
    return false;
  }
  return true;
}

async function toLocalUser(ctx: RequestContext): Promise<void> {
  ctx.alias.resolve();
  const user = ctx.uri!.user ?? '';
  for (const rule of ctx.settings.acl) {
    if (user.startsWith(rule.prefix) && !ctx.groups.has(rule.group))
      return ctx.reply(403, `Forbidden: not in group ${rule.group}`);
  }
  if (!(await ctx.userExists())) return ctx.reply(404, 'Not Found');
  await ctx.avps.load();
  const cfu = forwardTarget(ctx, FORWARD_ATTRIBUTES.unconditional);
  if (cfu) return await forwardTo(ctx, cfu);
  const contacts = ctx.location.lookup();
  if (contacts.length === 0) {
    const cfna = forwardTarget(ctx, FORWARD_ATTRIBUTES.noAnswer);
    return cfna ? await forwardTo(ctx, cfna) : ctx.reply(480, 'Temporarily Unavailable');
  }
  // A redirect server answers 302 with the registered contacts (RFC 3261 §8.3).
  if (ctx.settings.mode === 'redirect') return ctx.redirect(contacts);
  // Forwarding on busy / no answer applies once, to the first set of branches.
  ctx.avps.set('$forwarding', 'armed');
  return relay(ctx, contacts);
}

async function relay(ctx: RequestContext, targets?: readonly Target[]): Promise<void> {
  if (ctx.settings.recordRoute) ctx.recordRoute();
  // Media relay first: the branches carry rtpengine's SDP ([rtpengine] mode).
  if (wantsMediaRelay(ctx, targets) && !(await ctx.rtpengine.offer())) return;
  ctx.relay(targets ? { targets } : {});
}

/**
 * [rtpengine] mode "always", or "nat" with the caller behind NAT or a callee registered from
 * behind one (its contact has a `received` address), as Kamailio's nat_uac_test decides it.
 */
function wantsMediaRelay(ctx: RequestContext, targets: readonly Target[] | undefined): boolean {
  const m = ctx.rtpengine;
  // No branch (relay() answers 480): an offer would leave a session nobody deletes.
  if (!m.configured || m.mode === 'off' || targets?.length === 0) return false;
  if (m.mode === 'always' || ctx.source.natted) return true;
  return (targets ?? []).some((t) => typeof t === 'object' && 'received' in t && t.received !== undefined);
}

/**
 * Within a dialog whose media rtpengine relays: a re-INVITE or UPDATE is offered again, a BYE
 * ends the session. False when the request was answered (rtpengine failed, on_failure = "503").
 */
async function inDialogMedia(ctx: RequestContext): Promise<boolean> {
  // Only along a route set sipd signed for this dialog: a stranger's forged BYE must not end
  // another call's media (relay() then refuses it).
  if (!ctx.rtpengine.relaying || ctx.looseRoute() !== 'ours') return true;
  if (ctx.method === 'BYE') {
    await ctx.rtpengine.delete();
    return true;
  }
  return ctx.rtpengine.offer();
}

/** Forward to a forwarding target (cfu; cfna when not registered). */
async function forwardTo(ctx: RequestContext, uri: string): Promise<void> {
  const targets = targetsFor(ctx, uri);
  if (targets.length === 0) return ctx.reply(480, 'Temporarily Unavailable');
  await relay(ctx, targets);
}

/** Forwarding on busy (486, 600) or no answer (408, 480) from the callee's preferences. */
function forwardOnFailure(f: FailureContext): void {
  const ctx = f.request;
  if (ctx.avps.get('$forwarding') !== 'armed') return;
  ctx.avps.delete('$forwarding');
  const attr =
    f.status === 486 || f.status === 600
      ? FORWARD_ATTRIBUTES.busy
      : f.status === 408 || f.status === 480
        ? FORWARD_ATTRIBUTES.noAnswer
        : undefined;
  const target = attr && forwardTarget(ctx, attr);
  if (!target) return;
  const targets = targetsFor(ctx, target);
  if (targets.length > 0) f.relay({ targets });
}

/**
 * Branches for a URI: a user of one of our domains is looked up here (aliases, location) rather
 * than sent out and back in; anything else is relayed as is (a forwarding target is the
 * operator's data, usr_preferences, so a maddr in it is theirs too).
 */
function targetsFor(ctx: RequestContext, uri: string): readonly Target[] {
  const u = parseUriParts(uri);
  if (!u || u.user === undefined || !ctx.isLocalDomain(u.host)) return u || /^tel:/i.test(uri) ? [uri] : [];
  const alias = ctx.alias.lookup(u.user, u.host);
  return ctx.location.lookup(alias ? `${alias.username}@${alias.domain.toLowerCase()}` : `${u.user}@${u.host}`);
}

/** A forwarding preference as a URI: a SIP/tel URI as is, "user@domain" or a bare user/number. */
function forwardTarget(ctx: RequestContext, attribute: string): string | undefined {
  const v = ctx.avps.get(attribute)?.trim();
  if (!v) return undefined;
  if (/^(sips?|tel):/i.test(v)) return v;
  return v.includes('@') ? `sip:${v}` : `sip:${v}@${ctx.uri!.host}`;
}
