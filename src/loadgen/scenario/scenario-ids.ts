/**
 * The named things of a scenario that get numbers as they are met: response-time durations (rtd,
 * start_rtd), counters and transactions (start_txn, ack_txn, response_txn). Numbers start at 1 (0
 * means none), names go into the scenario's tables for the statistics, and the check methods make
 * SIPp's end-of-file checks on them (an rtd started and never stopped, a transaction without responses).
 */
import { scenarioError } from '../errors.js';
import type { Attrs } from './attrs.js';
import type { Scenario } from './model.js';

export type TxnRole = 'start' | 'ack' | 'response';

export class ScenarioIds {
  private readonly rtdMap = new Map<string, number>();
  private readonly rtdStarted = new Set<string>();
  private readonly rtdStopped = new Set<string>();
  private readonly counterMap = new Map<string, number>();
  private readonly txnMap = new Map<string, number>();

  constructor(private readonly s: Scenario) {}

  rtd(name: string, start: boolean): number {
    if (name === 'false') return 0;
    const key = name === 'true' ? '1' : name;
    (start ? this.rtdStarted : this.rtdStopped).add(key);
    let id = this.rtdMap.get(key);
    if (id === undefined) {
      id = this.rtdMap.size + 1;
      this.rtdMap.set(key, id);
      this.s.rtdNames.push(key);
      this.s.rtdRepartitions.push(undefined);
    }
    return id;
  }

  counter(name: string, a: Attrs): number {
    if (name === '' || /[$,]/.test(name)) throw a.fail(`Invalid counter name '${name}'`);
    let id = this.counterMap.get(name);
    if (id === undefined) {
      id = this.counterMap.size + 1;
      this.counterMap.set(name, id);
      this.s.counterNames.push(name);
    }
    return id;
  }

  txn(name: string, role: TxnRole, isInvite: boolean, a: Attrs): number {
    if (name === '' || /[$,]/.test(name)) throw a.fail(`Invalid transaction name '${name}'`);
    let id = this.txnMap.get(name);
    if (id === undefined) {
      this.s.transactions.push({ name, started: 0, responses: 0, acks: 0, isInvite: role === 'start' && isInvite });
      id = this.s.transactions.length;
      this.txnMap.set(name, id);
    }
    const t = this.s.transactions[id - 1]!;
    if (role === 'start') t.started++;
    else if (role === 'ack') t.acks++;
    else t.responses++;
    return id;
  }

  /** Every rtd started is stopped somewhere. */
  checkRtds(src: string): void {
    for (const name of this.rtdStarted)
      if (!this.rtdStopped.has(name))
        throw scenarioError(
          `You have started Response Time Duration ${name}, but have never stopped it!`,
          src,
          `add rtd="${name}" where it should stop`,
        );
  }

  /** Every transaction is started and answered, and ACKed if (and only if) it is an INVITE one. */
  checkTransactions(src: string): void {
    for (const t of this.s.transactions) {
      if (t.started === 0) throw scenarioError(`Transaction ${t.name} is never started!`, src);
      if (t.responses === 0) throw scenarioError(`Transaction ${t.name} has no responses defined!`, src);
      if (t.isInvite && t.acks === 0)
        throw scenarioError(`Transaction ${t.name} is an INVITE transaction without an ACK!`, src);
      if (!t.isInvite && t.acks > 0)
        throw scenarioError(`Transaction ${t.name} is a non-INVITE transaction with an ACK!`, src);
    }
  }
}
