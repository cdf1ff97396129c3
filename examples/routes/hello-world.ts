import { defineRoute } from 'sipkit/routing';

export default defineRoute({
  name: 'hello-world',
  request(ctx) {
    ctx.reply(200, 'Hello World');
  },
});
