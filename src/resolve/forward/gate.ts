// What the dispatcher calls for a name that is not ours: our own loop probe is stopped here, clients
// outside --allow-recursion are REFUSED, everyone else is forwarded.
import type { Client, Forwarder } from '../message.js';
import type { AddressSet } from './acl.js';
import { readQuestion, refusedReply } from './wire.js';

/** The loop detector's side that looks at incoming queries. */
export interface ProbeWatcher {
  seen(query: Buffer): boolean;
}

export interface RecursionGateOptions {
  readonly forwarder: Forwarder;
  /** Clients allowed recursion. */
  readonly allowed: AddressSet;
  readonly probes?: ProbeWatcher;
}

export interface GateStats {
  /** Queries for outside names from clients outside the allowed ranges. */
  readonly refusedClients: number;
  /** Our loop probes that came back to us. */
  readonly probesSeen: number;
}

export class RecursionGate implements Forwarder {
  private refusedClients = 0;
  private probesSeen = 0;

  constructor(private readonly options: RecursionGateOptions) {}

  forward(query: Buffer, client: Client): Buffer | null | Promise<Buffer | null> {
    // The probe first, whoever relays it back: answering it (SERVFAIL) instead of forwarding it again
    // is what breaks the loop, and the relaying resolver may well sit outside the allowed ranges.
    if (this.options.probes?.seen(query)) {
      this.probesSeen++;
      return null;
    }
    if (!this.options.allowed.contains(client.address)) {
      this.refusedClients++;
      const asked = readQuestion(query);
      return asked === null ? null : refusedReply(query, asked, false);
    }
    return this.options.forwarder.forward(query, client);
  }

  stats(): GateStats {
    return { refusedClients: this.refusedClients, probesSeen: this.probesSeen };
  }
}
