// --log-queries: one log line per answered query, like CoreDNS's `log` plugin, from the dispatcher's
// query events. Off by default (a line per query costs more than answering it); switchable at run time.
import type { Logger } from '../logger.js';
import type { QueryEvent, QueryObserver } from '../wire/dispatcher.js';
import { rcodeName, typeName } from './metrics/labels.js';

export class QueryLog implements QueryObserver {
  constructor(
    private readonly log: Logger,
    public enabled: boolean,
    private readonly now: () => bigint = process.hrtime.bigint,
  ) {}

  observe(event: QueryEvent): void {
    if (!this.enabled) return;
    const question = event.question;
    this.log.info({
      client: event.client.address,
      port: event.client.port,
      proto: event.transport,
      name: question === null ? null : `${question.labels.join('.')}.`,
      type: typeName(event.qtype),
      rcode: rcodeName(event.rcode),
      answers: event.answerCount,
      by: event.answeredBy,
      requestBytes: event.requestBytes,
      responseBytes: event.responseBytes,
      durationMs: Number(this.now() - event.startedAt) / 1e6,
    }, 'query');
  }
}

/** Hands each event to every observer (the dispatcher takes one). */
export function fanOut(observers: readonly QueryObserver[]): QueryObserver {
  const list = [...observers];
  if (list.length === 1) return list[0]!;
  return {
    observe(event) {
      for (let i = 0; i < list.length; i++) list[i]!.observe(event);
    },
  };
}
