/**
 * Hello World (the first script of the OpenSER/Kamailio books): an INVITE is answered
 * "200 Hello World" by the proxy itself; every other request is forwarded statelessly to where
 * its Request-URI points (`forward()`), with no transaction kept.
 *
 * Use it with `route = "/etc/sipkit/hello-world.js"` in sipd.conf (compiled: see README, Routing).
 */
import { defineRoute } from 'sipkit/routing';

export default defineRoute({
  name: 'hello-world',
  async request(ctx) {
    if (ctx.method === 'INVITE') return ctx.reply(200, 'Hello World');
    await ctx.forward();
  },
});
