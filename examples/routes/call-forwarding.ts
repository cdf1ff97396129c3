/**
 * Call Forwarding from the callee's preferences (usr_preferences, `sipctl avp add`):
 *   cfu  — unconditional: every call goes there;
 *   cfb  — on busy (486, 600);
 *   cfna — on no answer (408 after `NO_ANSWER_MS` of ringing, 480), and when not registered.
 * The forwarded call is tried once (serial forking: one failure-route round); its own failure
 * goes back to the caller. Callers from our domain authenticate first.
 */
import { defineRoute, type FailureContext, type RequestContext } from 'sipkit/routing';

/** ring this long before a call counts as not answered (fr_inv_timer) */
export const NO_ANSWER_MS = 20_000;

/** A preference as a URI: "sip:..."/"tel:..." as is, "user@domain", or a bare number in the callee's domain. */
function forwardUri(ctx: RequestContext, attribute: string): string | undefined {
  const v = ctx.avps.get(attribute)?.trim();
  if (!v) return undefined;
  if (/^(sips?|tel):/i.test(v)) return v;
  return v.includes('@') ? `sip:${v}` : `sip:${v}@${ctx.uri!.host}`;
}

function onFailure(f: FailureContext): void {
  const ctx = f.request;
  // Only the first round: the forwarded call's own failure goes up as it is.
  if (ctx.avps.has('$forwarded')) return;
  ctx.avps.set('$forwarded', 'yes');
  const attr = f.status === 486 || f.status === 600 ? 'cfb' : f.status === 408 || f.status === 480 ? 'cfna' : undefined;
  const target = attr && forwardUri(ctx, attr);
  if (target) f.relay({ targets: [target] });
}

export default defineRoute({
  name: 'call-forwarding',
  async request(ctx) {
    ctx.looseRoute();
    if (ctx.inDialog) return ctx.relay();
    if (ctx.method === 'REGISTER') return (await ctx.auth()) ? ctx.registrar.save() : undefined;
    if (ctx.isLocalDomain(ctx.msg.from.sip?.host) && !(await ctx.auth())) return;
    if (!ctx.isLocalDomain()) return ctx.reply(403, 'Relaying Forbidden');
    if (!(await ctx.userExists())) return ctx.reply(404, 'Not Found');
    await ctx.avps.load(); // the callee's cfu / cfb / cfna
    ctx.recordRoute();
    const cfu = forwardUri(ctx, 'cfu');
    if (cfu) return ctx.relay({ targets: [cfu] });
    const contacts = ctx.location.lookup();
    if (contacts.length === 0) {
      const cfna = forwardUri(ctx, 'cfna');
      return cfna ? ctx.relay({ targets: [cfna] }) : ctx.reply(480, 'Temporarily Unavailable');
    }
    ctx.onFailure(onFailure);
    ctx.relay({ targets: contacts, timers: { frInv: NO_ANSWER_MS } });
  },
});
