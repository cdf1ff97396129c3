import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { reloadRoute, type RouteReloadResult } from '../../src/ctl/route.js';

export default class Reload extends CtlCommand<RouteReloadResult> {
  static override summary = 'Make the running sipd load its route file again (as SIGHUP does)';
  static override description = `Loads the file named by sipd.conf's route (the path sipd started with) and puts it in force
for new requests; transactions in flight finish with the route they started with. A route that
fails to load leaves the old one in force: exit 1, the message names FILE:LINE:COLUMN (JSON:
error.message). Needs a running sipd (exit 5). With the built-in default route there is nothing to
load: reloaded is false. JSON: {file, name, reloaded}.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<RouteReloadResult> {
    const { flags } = await this.parse(Reload);
    const r = await reloadRoute(this.context(flags));
    this.log(
      r.reloaded
        ? `route reloaded: ${r.file}${r.name !== r.file ? ` (${r.name})` : ''}`
        : 'sipd runs the default route: nothing to reload',
    );
    return r;
  }
}
