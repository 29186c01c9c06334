package io.nexusai.metering.repository;

import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.pricing.PriceBook;

/** A usage event as stored: the event, its price, and the stream entry it came from. */
public record UsageRecord(UsageEvent event, PriceBook.Cost cost, String streamEntryId) {
}
