/**
 * What a call delegates to the scenario engine: receiving a message (SIPp's process_incoming,
 * receive.ts) and running a message's actions (SIPp's executeAction, actions.ts). The engine hands
 * this object to its calls (Engine.callSteps), so the call does not import those modules (they
 * import the call) and nothing is installed by importing a module for its side effect.
 */
import type { ScenarioMessage } from '../scenario/model.js';
import type { ActionResult } from './action-result.js';
import { executeActions } from './actions.js';
import type { Call } from './call.js';
import type { Incoming } from './incoming.js';
import { processIncoming } from './receive.js';

export interface CallSteps {
  /** A message for this call arrived (the call is not deleted). */
  receive(call: Call, inc: Incoming): void;
  /** Run `m`'s actions; `inc` is the message received at `m` (undefined at a send, pause or nop). */
  executeActions(call: Call, inc: Incoming | undefined, m: ScenarioMessage): ActionResult;
}

/** The scenario engine's steps, as SIPp runs them. */
export const scenarioSteps: CallSteps = { receive: processIncoming, executeActions };
