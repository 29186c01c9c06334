package io.nexusai.api.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One entry of the anomaly stream: {@code count} anomalous requests of one type from one caller (tenant, key id,
 * client address) seen by one gateway between {@code firstMs} and {@code lastMs}, with the first one's request id,
 * status and a short detail. Holds no secrets and no request bodies: a key is named by its public id only, and
 * requests whose key is not known have the key id {@value #UNKNOWN}.
 *
 * @param firstMs   first occurrence, epoch milliseconds
 * @param lastMs    last occurrence, epoch milliseconds
 * @param type      the kind of anomaly
 * @param tenantId  tenant of the key, or {@value #UNKNOWN}
 * @param keyId     public id of the key, or {@value #UNKNOWN}
 * @param requestId the gateway's request id of the first occurrence
 * @param client    the client's address as the gateway saw it, or {@value #UNKNOWN}
 * @param status    HTTP status answered (for rate spikes: the status of the request that crossed the threshold)
 * @param detail    a short reason, e.g. {@code invalid_signature} or {@code 240 requests in 60s, baseline 12.5}
 * @param count     how many requests this entry stands for
 */
public record AnomalyEntry(long firstMs, long lastMs, AnomalyType type, String tenantId, String keyId, String requestId, String client,
                           int status, String detail, long count) {
    public static final String UNKNOWN = "unknown";
    private static final int MAX_DETAIL = 120;

    public AnomalyEntry {
        tenantId = orUnknown(tenantId);
        keyId = orUnknown(keyId);
        client = orUnknown(client);
        requestId = requestId == null ? "" : requestId;
        detail = detail == null ? "" : detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    }

    private static String orUnknown(String value) {
        return value == null || value.isEmpty() ? UNKNOWN : value;
    }

    /** The stream entry's fields, as name/value pairs ({@code XADD ... * t <ms> ...}). */
    public List<String> fields() {
        List<String> f = new ArrayList<>(20);
        f.add("t");
        f.add(Long.toString(firstMs));
        f.add("last");
        f.add(Long.toString(lastMs));
        f.add("type");
        f.add(type.wire());
        f.add("tenant");
        f.add(tenantId);
        f.add("key");
        f.add(keyId);
        f.add("rid");
        f.add(requestId);
        f.add("client");
        f.add(client);
        f.add("status");
        f.add(Integer.toString(status));
        f.add("detail");
        f.add(detail);
        f.add("n");
        f.add(Long.toString(count));
        return f;
    }

    /** Reads an entry from its stream fields; {@code null} when they are not a valid entry. */
    public static AnomalyEntry fromFields(Map<String, String> f) {
        AnomalyType type = AnomalyType.fromWire(f.get("type"));
        if (type == null) {
            return null;
        }
        try {
            long first = Long.parseLong(f.getOrDefault("t", ""));
            long last = f.containsKey("last") ? Long.parseLong(f.get("last")) : first;
            int status = f.containsKey("status") ? Integer.parseInt(f.get("status")) : 0;
            long count = f.containsKey("n") ? Long.parseLong(f.get("n")) : 1;
            return new AnomalyEntry(first, last, type, f.get("tenant"), f.get("key"), f.get("rid"), f.get("client"), status,
                    f.get("detail"), count);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
