// --log-queries: one log line per answered query, like CoreDNS's `log` plugin, from the dispatcher's
// query events. Off by default (a line per query costs more than answering it); switchable at run time.
// The dispatcher reuses its event object and the query buffer: a line copies what it needs while
// observe() runs (pino formats the line synchronously).
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';
import { NO_QUESTION_TAG, type QueryEvent, type QueryObserver } from '../wire/dispatcher.js';
import { questionNameLabels } from '../wire/query.js';
import { rcodeName, typeName } from './metrics/labels.js';

export class QueryLog implements QueryObserver {
  constructor(
    private readonly log: Logger,
    public enabled: boolean,
    /** The clock the event's startedAt came from (milliseconds, as performance.now()). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  observe(event: QueryEvent): void {
    if (!this.enabled) return;
    this.log.info({
      client: event.client.address,
      port: event.client.port,
      proto: event.transport,
      name: questionName(event.query, event.questionEnd),
      type: typeName(event.qtype),
      rcode: rcodeName(event.rcode),
      answers: event.answerCount,
      by: event.answeredBy,
      requestBytes: event.requestBytes,
      responseBytes: event.responseBytes,
      durationMs: this.now() - event.startedAt,
    }, 'query');
  }
}

/**
 * The question name as asked (letter case kept, labels as latin1 like the parser reads them) with a
 * trailing dot; null when the query had no readable question (`questionEnd` 0) or the name is not
 * well-formed.
 */
export function questionName(query: Buffer, questionEnd: number): string | null {
  if (questionEnd === 0) return null;
  const name = questionNameLabels(query);
  // QTYPE and QCLASS follow the name within the question.
  if (name === null || name.end + 4 > questionEnd) return null;
  return `${name.labels.join('.')}.`;
}

/**
 * The dispatcher's one observer: the metrics, then the query log while it is on. A check of the
 * log's switch rather than a call: with two observers behind one loop, the call site saw two classes
 * and every query paid for a polymorphic call to a log that is off by default.
 */
export function metricsThenLog(metrics: QueryObserver, log: QueryLog): QueryObserver {
  return {
    observe(event) {
      metrics.observe(event);
      if (log.enabled) log.observe(event);
    },
    // The log needs no tag: the metrics' is the one cached with answers.
    questionTag(query, questionEnd) {
      return metrics.questionTag?.(query, questionEnd) ?? NO_QUESTION_TAG;
    },
  };
}
