/**
 * Route information preprocessing (§16.4) with sipd's signed Record-Route, and the rules for
 * relaying within a dialog: the part of the pipeline that keeps sipd from being a relay for
 * strangers, shared by the routing API (looseRoute(), relay()) and sipd's own ACK handling.
 */
import {
  defaultPort,
  formatNameAddr,
  isSipUri,
  nextHopUri,
  type BranchTarget,
  type MessageSource,
  type RouteMarks,
  type SipRequest,
  type SipUri,
} from '../../core/index.js';
import { branchFor } from '../nat/nat.js';
import type { Binding } from '../registrar/binding.js';
import { hasForeignMaddr, type Myself } from './myself.js';

/**
 * What preprocessing found: no Route value (nor a strict router's Request-URI) named us; ours
 * were removed (in-dialog: each with a valid mark; `ours-local` for a stranger's dialog); or an
 * in-dialog request named us without a valid mark for its dialog (nothing removed).
 */
export type RouteCheck = 'none' | 'ours' | 'ours-local' | 'unsigned';

/** What the guard asks the location service. */
export interface RegisteredParties {
  findContact(contact: string): Binding | undefined;
  isRegisteredSource(source: MessageSource): boolean;
  isRegisteredAddress(host: string, port: number): boolean;
}

export class DialogGuard {
  constructor(
    private readonly marks: RouteMarks,
    private readonly parties: RegisteredParties,
    private readonly myself: () => Myself | undefined,
  ) {}

  /**
   * A strict router upstream puts our Record-Route URI in the Request-URI and the real one at
   * the end of the route set: put it back. Then remove our own Route values from the top (two
   * of them after double Record-Route). For an in-dialog request (To tag) each of our values
   * must carry a valid mark for its dialog (Call-ID and the From or To tag, route-mark.ts),
   * otherwise nothing is removed. An initial request may name us without a mark (a phone with
   * sipd as its outbound proxy preloads that Route).
   */
  looseRoute(req: SipRequest): RouteCheck {
    const me = this.myself();
    if (!me) return 'none';
    const inDialog = req.toTag() !== undefined;
    let local = false;
    const signed = (uri: SipUri): boolean => {
      if (!inDialog) return true;
      const scope = this.marks.verifyUri(uri, req.callId(), [req.fromTag() ?? '', req.toTag()]);
      if (scope === 'local') local = true;
      return scope !== undefined;
    };
    let removed = false;
    const ruri = req.requestUri();
    if (isSipUri(ruri) && ruri.user === undefined && ruri.params.has('lr') && req.has('route') && me.isUri(ruri)) {
      if (!signed(ruri)) return 'unsigned';
      const routes = req.routes();
      req.uri = routes[routes.length - 1]!.uriText;
      req.removeAll('route');
      for (let i = 0; i < routes.length - 1; i++) {
        const r = routes[i]!;
        req.append('route', formatNameAddr({ displayName: r.displayName, uri: r.uriText, params: r.params }));
      }
      removed = true;
    }
    for (let i = 0; i < 2; i++) {
      const routes = req.routes();
      if (routes.length === 0) break;
      const top = routes[0]!.uri;
      if (!isSipUri(top) || !me.isUri(top)) break;
      if (!signed(top)) return 'unsigned';
      req.removeFirst('route');
      removed = true;
    }
    return !removed ? 'none' : local ? 'ours-local' : 'ours';
  }

  /**
   * Why an in-dialog request (or ACK) must not be relayed, or undefined when it may: it does not
   * name us ('not ours': §12.2.2 leaves it to the UAS, Kamailio's default script answers 404),
   * names us without our mark, has a Request-URI whose maddr names another host (sipd would send
   * where the route set never said), or, in a stranger's dialog, neither comes from nor goes to
   * one of our users.
   */
  refusal(req: SipRequest, source: MessageSource, route: RouteCheck, target: BranchTarget): string | undefined {
    if (route === 'none') return 'not ours';
    if (route === 'unsigned') return 'Route not signed for this dialog';
    if (hasForeignMaddr(req.requestUri(), this.myself())) return 'maddr in Request-URI';
    if (route === 'ours-local' && !this.partyOfOurs(req, source, target)) return 'not a party of this dialog';
    return undefined;
  }

  /** The branch for an in-dialog request: a registered contact is reached where it registered from. */
  targetOf(req: SipRequest): BranchTarget {
    if (req.routes().length === 0) {
      const b = this.parties.findContact(req.uri);
      if (b) return branchFor(b);
    }
    return { uri: req.uri };
  }

  /**
   * In a stranger's dialog (mark scope `local`: an unauthenticated caller reached a registered
   * user), a request is relayed only when it comes from or goes to one of our registered user
   * agents: the stranger may talk to our user, not use the dialog's route to reach anyone else.
   * Who sends cannot be read from the tags (either party holds the mark and can swap them), so
   * the source and the next hop are compared with the registered contacts and their sources.
   */
  private partyOfOurs(req: SipRequest, source: MessageSource, target: BranchTarget): boolean {
    if (target.registered || this.parties.isRegisteredSource(source)) return true;
    const hop = nextHopUri(req);
    return isSipUri(hop) && this.parties.isRegisteredAddress(hop.host, defaultPort(hop));
  }
}
