/**
 * The header edits every routing context offers (HeaderEdits in route.ts) on the message it
 * holds: the request (request and branch contexts) or a branch's response (reply context).
 */
import type { SipMessage } from '../../../core/index.js';
import type { HeaderEdits } from './route.js';

export class HeaderEditing implements HeaderEdits {
  constructor(private readonly edited: SipMessage) {}

  setHeader(name: string, value: string): void {
    this.edited.set(name, value);
  }

  appendHeader(name: string, value: string): void {
    this.edited.append(name, value);
  }

  removeHeader(name: string): number {
    return this.edited.removeAll(name);
  }
}
