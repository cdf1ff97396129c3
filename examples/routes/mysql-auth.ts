/**
 * "MySQL and Authentication": a registrar with digest authentication over the subscriber table,
 * and a proxy that lets only authenticated users call out, finds callees in the location table,
 * and record-routes so that the dialog's requests come back through it.
 *
 *   loose_route → t_relay           (in-dialog)
 *   www_authorize → save            (REGISTER)
 *   proxy_authorize → lookup → t_relay, 404 when not registered
 */
import { defineRoute } from 'sipkit/routing';

export default defineRoute({
  name: 'mysql-auth',
  async request(ctx) {
    ctx.looseRoute();
    // In a dialog: along the route set this proxy signed when it record-routed it.
    if (ctx.inDialog) return ctx.relay();
    if (ctx.method === 'REGISTER') {
      if (!(await ctx.auth())) return; // 401 sent
      return ctx.registrar.save();
    }
    if (ctx.method === 'OPTIONS' && ctx.isForMe()) return ctx.replyOptions();
    // Calls from our own domain need credentials (407); calls into it from elsewhere do not.
    if (ctx.isLocalDomain(ctx.msg.from.sip?.host) && !(await ctx.auth())) return;
    ctx.recordRoute();
    if (!ctx.isLocalDomain()) {
      if (!ctx.user) return ctx.reply(403, 'Relaying Forbidden');
      return ctx.relay();
    }
    const contacts = ctx.location.lookup();
    if (contacts.length === 0) return ctx.reply(404, 'Not Found');
    ctx.relay({ targets: contacts });
  },
});
