package io.nexusai.mock;

import io.vertx.core.Vertx;

/**
 * What the APIs of one mock server share.
 *
 * @param vertx               the Vert.x instance the server runs on
 * @param apiKey              the key clients must present, or {@code null} to accept any
 * @param defaultTokenDelayMs delay before each content chunk of a stream unless a rule or header says otherwise
 * @param journal             the requests received
 * @param stats               request and stream counters
 * @param rules               per-model fault rules
 */
record MockState(Vertx vertx, String apiKey, long defaultTokenDelayMs, RequestJournal journal, MockStats stats,
                 FaultRules rules) {
}
