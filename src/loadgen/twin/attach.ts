/**
 * Joining a run to its twin(s): the role's rules go to the runtime, then the channel opens
 * (listen and/or connect, before the first call) and its events reach the runtime.
 */
import type { Runtime, TwinRoleRules } from '../engine/runtime.js';
import { TwinLink } from './link.js';
import type { TwinPlan, TwinRole } from './plan.js';

/** What the twin's end does, by role (SIPp 3.6.1 socket.cpp read_error on a control socket). */
export function roleRules(role: TwinRole, createsCalls: boolean): TwinRoleRules {
  const banner = BANNERS[role];
  if (role === 'master' || role === 'master-passive' || role === 'slave')
    return {
      createsCalls,
      forceQuitOnClose: true,
      closeWarning: 'One of the twin instances has ended -> exiting',
      banner,
    };
  if (role === 'controller-b')
    return { createsCalls, forceQuitOnClose: true, closeWarning: '3PCC controller A has ended -> exiting', banner };
  // Controller A (active or passive): no new calls, the calls under way finish.
  return { createsCalls, forceQuitOnClose: false, banner };
}

/** SIPp 3.6.1 screen.cpp's bottom lines, spacing included. */
const BANNERS: Record<TwinRole, string> = {
  'controller-a': '----------------------- 3PCC Mode - Controller A side -------------------------',
  'a-passive': '------------------ 3PCC Mode - Controller A side (passive) --------------------',
  'controller-b': '----------------------- 3PCC Mode - Controller B side -------------------------',
  master: '-----------------------3PCC extended mode - Master side -------------------------',
  'master-passive': '------------------ 3PCC extended mode - Master side (passive) --------------------',
  slave: '----------------------- 3PCC extended mode - Slave side -------------------------',
};

export async function attachTwin(rt: Runtime, plan: TwinPlan): Promise<TwinLink> {
  rt.twinRole = roleRules(plan.role, plan.createsCalls);
  const link = await TwinLink.open(plan, {
    command: (text) => rt.receiveCommand(text),
    closed: () => rt.twinClosed(),
    failed: (err) => rt.abortRun(err),
  });
  rt.twin = link;
  return link;
}
