/**
 * The server transaction of a harness run: it keeps every response that went upstream (sipd's own
 * answers and the ones relayed from branches) and follows the states that matter to a route (a
 * final response ends the transaction; after an INVITE's 2xx only more 2xx pass, RFC 6026).
 */
import {
  createResponse,
  newTag,
  statelessTag,
  type MessageSource,
  type ResponseOptions,
  type SipRequest,
  type SipResponse,
  type TransactionState,
} from '../../../core/index.js';
import type { Answerer } from '../api/services.js';

export class RecordingAnswerer implements Answerer {
  state: TransactionState;
  /** every response sent upstream, in order */
  readonly responses: SipResponse[] = [];
  readonly localTag = newTag();

  constructor(
    private readonly request: SipRequest,
    readonly source: MessageSource,
  ) {
    this.state = request.method === 'INVITE' ? 'Proceeding' : 'Trying';
  }

  reply(status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
    const res = createResponse(this.request, status, reason, { ...opts, toTag: opts.toTag ?? this.localTag });
    this.respond(res);
    return res;
  }

  /** As ServerTransaction.replyStateless: a final answer that ends the transaction at once. */
  replyStateless(status: number, reason?: string, opts: ResponseOptions = {}): SipResponse | undefined {
    if (status < 200 || (this.state !== 'Trying' && this.state !== 'Proceeding')) return undefined;
    const res = createResponse(this.request, status, reason, {
      ...opts,
      toTag: opts.toTag ?? statelessTag(this.request),
    });
    this.responses.push(res);
    this.state = 'Terminated';
    return res;
  }

  /** As ServerTransaction.respond: false when the state does not take the response. */
  respond(res: SipResponse): boolean {
    if (this.state === 'Accepted') {
      if (res.status < 200 || res.status >= 300) return false;
    } else if (this.state !== 'Trying' && this.state !== 'Proceeding') return false;
    this.responses.push(res);
    if (res.status < 200) this.state = 'Proceeding';
    else if (res.status < 300 && this.request.method === 'INVITE') this.state = 'Accepted';
    else this.state = 'Completed';
    return true;
  }
}
