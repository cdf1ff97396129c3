/**
 * PBX / PSTN gateway by prefix: a Request-URI whose user is a telephone number ("+4930123",
 * "004930123") goes to the PSTN gateway, only for authenticated users in the ACL group `pstn`
 * (`sipctl acl grant alice@example.com pstn`), with the caller's identity asserted
 * (P-Asserted-Identity, RFC 3325) for the gateway; when the first gateway fails (503, or 408:
 * no answer in time) the call fails over to the second. Everything else is a call to a
 * registered user.
 */
import { defineRoute, type FailureContext, type RequestContext } from 'sipkit/routing';

/** The gateways, tried in order: the Request-URI's host names the carrier, the destination is where to send. */
export const GATEWAYS = [
  { host: 'pstn.example.net', destination: 'udp:203.0.113.50:5060' },
  { host: 'pstn.example.net', destination: 'udp:203.0.113.51:5060' },
] as const;

/** A telephone number: optional +, then digits only. */
const NUMBER = /^\+?[0-9]{3,}$/;

function gatewayTarget(ctx: RequestContext, i: number) {
  const gw = GATEWAYS[i]!;
  return { uri: `sip:${ctx.uri!.user}@${gw.host}`, destination: gw.destination };
}

function failover(f: FailureContext): void {
  // Once per gateway: the last one's failure goes up (a 503 goes up as 500, §16.7 step 6).
  const next = f.tried.length;
  if ((f.status === 503 || f.status === 408) && next < GATEWAYS.length)
    f.relay({ targets: [gatewayTarget(f.request, next)] });
}

async function toPstn(ctx: RequestContext): Promise<void> {
  if (!ctx.user && !(await ctx.auth())) return;
  if (!ctx.groups.has('pstn')) return ctx.reply(403, 'Forbidden: not in group pstn');
  ctx.setHeader('P-Asserted-Identity', `<sip:${ctx.user!.username}@${ctx.user!.domain}>`);
  ctx.recordRoute();
  ctx.onFailure(failover);
  ctx.relay({ targets: [gatewayTarget(ctx, 0)], timers: { fr: 5000 } });
}

export default defineRoute({
  name: 'pstn-gateway',
  async request(ctx) {
    ctx.looseRoute();
    if (ctx.inDialog) return ctx.relay();
    if (ctx.method === 'REGISTER') return (await ctx.auth()) ? ctx.registrar.save() : undefined;
    // Never pass on an identity the caller asserted itself.
    ctx.removeHeader('P-Asserted-Identity');
    if (ctx.method === 'INVITE' && NUMBER.test(ctx.uri?.user ?? '')) return toPstn(ctx);
    if (ctx.isLocalDomain(ctx.msg.from.sip?.host) && !(await ctx.auth())) return;
    if (!ctx.isLocalDomain()) return ctx.reply(403, 'Relaying Forbidden');
    const contacts = ctx.location.lookup();
    if (contacts.length === 0) return ctx.reply(404, 'Not Found');
    ctx.recordRoute();
    ctx.relay({ targets: contacts });
  },
});
