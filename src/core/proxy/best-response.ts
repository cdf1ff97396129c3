/**
 * Choosing the response to send upstream when every branch of a forked request has a final
 * response, RFC 3261 §16.7 step 6: a 6xx if any; otherwise the lowest class, preferring within
 * 4xx the responses that let the caller do better (401, 407, 415, 420, 484); a chosen 503 is
 * sent as 500 (a 503 would tell the caller this proxy is overloaded); 408 when nothing came back.
 * When the choice is 401/407, the challenges of every 401/407 are collected (§16.7 step 7).
 */
import type { SipResponse } from '../message/message.js';

export interface BestResponse {
  /** The response chosen, or undefined when no branch answered (send 408). */
  response: SipResponse | undefined;
  status: number;
  /** WWW-Authenticate / Proxy-Authenticate values gathered from all 401/407 responses. */
  challenges: Array<[string, string]>;
}

const PREFERRED_4XX = [401, 407, 415, 420, 484];

export function chooseBestResponse(finals: readonly SipResponse[]): BestResponse {
  const challenges: Array<[string, string]> = [];
  for (const r of finals) {
    if (r.status === 401) for (const v of r.getAll('www-authenticate')) challenges.push(['WWW-Authenticate', v]);
    if (r.status === 407) for (const v of r.getAll('proxy-authenticate')) challenges.push(['Proxy-Authenticate', v]);
  }
  if (finals.length === 0) return { response: undefined, status: 408, challenges };
  const sixes = finals.filter((r) => r.status >= 600);
  let chosen: SipResponse;
  if (sixes.length > 0) chosen = sixes[0]!;
  else {
    const lowestClass = Math.min(...finals.map((r) => Math.floor(r.status / 100)));
    const inClass = finals.filter((r) => Math.floor(r.status / 100) === lowestClass);
    chosen = inClass[0]!;
    if (lowestClass === 4) {
      for (const code of PREFERRED_4XX) {
        const hit = inClass.find((r) => r.status === code);
        if (hit) {
          chosen = hit;
          break;
        }
      }
    }
  }
  const status = chosen.status === 503 ? 500 : chosen.status;
  return { response: chosen, status, challenges: chosen.status === 401 || chosen.status === 407 ? challenges : [] };
}

/**
 * The best response as the message to send upstream (§16.7 step 6): a copy of the chosen
 * response with the status it stands for (a 503 goes up as 500) and, for a 401/407, every
 * branch's challenges (step 7); undefined when no branch answered (the status alone is sent).
 */
export function bestResponseMessage(best: BestResponse): SipResponse | undefined {
  if (!best.response) return undefined;
  const res = best.response.clone();
  if (best.status !== res.status) res.status = best.status;
  if (best.challenges.length > 0) {
    res.removeAll('www-authenticate');
    res.removeAll('proxy-authenticate');
    for (const [name, value] of best.challenges) res.append(name, value);
  }
  return res;
}
