package io.nexusai.api.routing;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact wire format of the route table, as routing-service streams it to gateways (whole table or delta) and
 * as a gateway keeps its last good table on disk. JSON, written and read with Jackson's streaming API so neither
 * side holds the text of the whole table:
 *
 * <pre>
 * {"format":"nexus-routes/2","full":true,"since":-1,"version":42,"generated_at":"2026-12-06T18:00:00Z",
 *  "providers":[{"id":1,"name":"openai-main","kind":"openai","endpoint":"https://...","api_key":"nxenc:v1:...",
 *                "region":null,"settings":{}}],
 *  "prices":[{"input_per_million":2.5,"output_per_million":10,"currency":"USD",...}],
 *  "routes":[{"alias":"nexus-gpt4","created":1700000000,"policy":{...},
 *             "deployments":[{"id":7,"provider":0,"model":"gpt-4o","price":0,"weight":100,"rate_limit":60,
 *                             "priority":1,"cost_multiplier":1.5,"region_weights":{"eastus":60}}]}],
 *  "removed":["old-alias"]}
 * </pre>
 *
 * Providers (with their settings and encrypted key) and prices are listed once, before the routes, and referenced
 * by index from each deployment, instead of being repeated in every deployment ({@link Deployment} carries them
 * expanded). {@code policy} is left out when it is {@link AliasPolicy#DEFAULT}, {@code price} when the real model has
 * none, {@code region_weights} when empty. {@code format} comes first: text in any other format (such as the
 * {@link RouteSnapshot} JSON gateways kept before it) is refused with {@link UnsupportedFormatException}, never
 * misread.
 */
public final class RouteTableWire {
    /** The format this class writes and reads. */
    public static final String FORMAT = "nexus-routes/2";
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private RouteTableWire() {
    }

    /** What the text says before its routes. */
    public record Header(boolean full, long since, long version, Instant generatedAt) {
    }

    /** A provider as the table lists it once: everything a {@link Deployment} takes from its provider. */
    public record Provider(long id, String name, ProviderKind kind, String endpoint, String apiKeyEnvelope, String region,
                           Map<String, String> settings) {
        public Provider {
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }

        public static Provider of(Deployment d) {
            return new Provider(d.providerId(), d.providerName(), d.providerKind(), d.endpoint(), d.apiKeyEnvelope(), d.region(), d.settings());
        }
    }

    /** Text that is not in {@link #FORMAT} (an older format, or not a route table at all). */
    public static final class UnsupportedFormatException extends IOException {
        public UnsupportedFormatException(String message) {
            super(message);
        }
    }

    /** Receives a table as it is read, one entry at a time. */
    public interface Sink {
        /** Called once, before any entry. */
        void begin(Header header);

        void entry(RouteEntry entry);

        /** An alias a delta removes. */
        void removed(String alias);
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes a table to a stream: {@link #begin} with the providers and prices the entries reference, then each
     * {@link #entry}, then {@link #end}. Only the entry being written is held. Does not close the stream.
     */
    public static final class Writer implements AutoCloseable {
        private final JsonGenerator gen;
        private final Map<Provider, Integer> providers = new HashMap<>();
        private final Map<Deployment.Price, Integer> prices = new HashMap<>();

        public Writer(OutputStream out) throws IOException {
            this.gen = JSON.createGenerator(out, JsonEncoding.UTF8);
            gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        }

        public void begin(Header header, List<Provider> providerList, List<Deployment.Price> priceList) throws IOException {
            gen.writeStartObject();
            gen.writeStringField("format", FORMAT);
            gen.writeBooleanField("full", header.full());
            gen.writeNumberField("since", header.since());
            gen.writeNumberField("version", header.version());
            gen.writeStringField("generated_at", header.generatedAt().toString());
            gen.writeArrayFieldStart("providers");
            for (Provider p : providerList) {
                if (providers.putIfAbsent(p, providers.size()) != null) {
                    continue;
                }
                gen.writeStartObject();
                gen.writeNumberField("id", p.id());
                gen.writeStringField("name", p.name());
                gen.writeStringField("kind", p.kind().wire());
                gen.writeStringField("endpoint", p.endpoint());
                gen.writeStringField("api_key", p.apiKeyEnvelope());
                gen.writeStringField("region", p.region());
                stringMap(gen, "settings", p.settings());
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeArrayFieldStart("prices");
            for (Deployment.Price price : priceList) {
                if (prices.putIfAbsent(price, prices.size()) != null) {
                    continue;
                }
                gen.writeStartObject();
                decimal(gen, "input_per_million", price.inputPerMillion());
                decimal(gen, "output_per_million", price.outputPerMillion());
                gen.writeStringField("currency", price.currency());
                decimal(gen, "cached_input_per_million", price.cachedInputPerMillion());
                decimal(gen, "cache_write_per_million", price.cacheWritePerMillion());
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeArrayFieldStart("routes");
        }

        /** @throws IllegalArgumentException when a deployment's provider or price was not given to {@link #begin} */
        public void entry(RouteEntry entry) throws IOException {
            gen.writeStartObject();
            gen.writeStringField("alias", entry.alias());
            gen.writeNumberField("created", entry.created());
            if (!AliasPolicy.DEFAULT.equals(entry.policy())) {
                AliasPolicy p = entry.policy();
                gen.writeObjectFieldStart("policy");
                gen.writeStringField("strategy", p.strategy());
                gen.writeNumberField("max_attempts", p.maxAttempts());
                gen.writeNumberField("connect_timeout_ms", p.connectTimeoutMs());
                gen.writeNumberField("first_byte_timeout_ms", p.firstByteTimeoutMs());
                gen.writeNumberField("idle_timeout_ms", p.idleTimeoutMs());
                gen.writeNumberField("total_timeout_ms", p.totalTimeoutMs());
                gen.writeEndObject();
            }
            gen.writeArrayFieldStart("deployments");
            for (Deployment d : entry.deployments()) {
                Integer provider = providers.get(Provider.of(d));
                if (provider == null) {
                    throw new IllegalArgumentException("deployment " + d.id() + " of '" + entry.alias() + "': provider " + d.providerId() + " not listed");
                }
                gen.writeStartObject();
                gen.writeNumberField("id", d.id());
                gen.writeNumberField("provider", provider);
                gen.writeStringField("model", d.realModel());
                if (d.price() != null) {
                    Integer price = prices.get(d.price());
                    if (price == null) {
                        throw new IllegalArgumentException("deployment " + d.id() + " of '" + entry.alias() + "': price not listed");
                    }
                    gen.writeNumberField("price", price);
                }
                gen.writeNumberField("weight", d.weight());
                gen.writeNumberField("rate_limit", d.rateLimit());
                gen.writeNumberField("priority", d.priority());
                decimal(gen, "cost_multiplier", d.costMultiplier());
                if (!d.regionWeights().isEmpty()) {
                    gen.writeObjectFieldStart("region_weights");
                    for (Map.Entry<String, Integer> e : d.regionWeights().entrySet()) {
                        gen.writeNumberField(e.getKey(), e.getValue());
                    }
                    gen.writeEndObject();
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        }

        public void end(List<String> removed) throws IOException {
            gen.writeEndArray();
            gen.writeArrayFieldStart("removed");
            for (String alias : removed) {
                gen.writeString(alias);
            }
            gen.writeEndArray();
            gen.writeEndObject();
            gen.flush();
        }

        /** Writes what is buffered to the stream. */
        public void flush() throws IOException {
            gen.flush();
        }

        @Override
        public void close() throws IOException {
            gen.close();
        }
    }

    /** A whole table or a delta held in memory, written in one go (tests, a gateway keeping its table). */
    public static void write(OutputStream out, RouteDelta table) throws IOException {
        LinkedHashMap<Provider, Boolean> providers = new LinkedHashMap<>();
        LinkedHashMap<Deployment.Price, Boolean> prices = new LinkedHashMap<>();
        for (RouteEntry entry : table.routes().values()) {
            for (Deployment d : entry.deployments()) {
                providers.putIfAbsent(Provider.of(d), true);
                if (d.price() != null) {
                    prices.putIfAbsent(d.price(), true);
                }
            }
        }
        try (Writer writer = new Writer(out)) {
            writer.begin(new Header(table.full(), table.since(), table.version(), table.generatedAt()),
                    List.copyOf(providers.keySet()), List.copyOf(prices.keySet()));
            for (RouteEntry entry : table.routes().values()) {
                writer.entry(entry);
            }
            writer.end(table.removed());
        }
    }

    /** A whole table, as {@link #write(OutputStream, RouteDelta)} writes it ({@code since} -1). */
    public static void write(OutputStream out, RouteSnapshot snapshot) throws IOException {
        write(out, RouteDelta.full(-1, snapshot));
    }

    private static void stringMap(JsonGenerator gen, String field, Map<String, String> map) throws IOException {
        gen.writeObjectFieldStart(field);
        for (Map.Entry<String, String> e : map.entrySet()) {
            gen.writeStringField(e.getKey(), e.getValue());
        }
        gen.writeEndObject();
    }

    private static void decimal(JsonGenerator gen, String field, BigDecimal value) throws IOException {
        if (value == null) {
            gen.writeNullField(field);
        } else {
            gen.writeNumberField(field, value);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads a table from a stream, handing each entry to {@code sink} as soon as it is read. Deployments share their
     * provider's strings and settings, their price, and (within one read) equal real model names, policies and cost
     * multipliers. Does not close the stream.
     *
     * @throws UnsupportedFormatException when the text does not start with {@code "format": "nexus-routes/2"}
     * @throws IOException                on malformed or truncated text (the sink has then seen part of it only)
     */
    public static Header read(InputStream in, Sink sink) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            p.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
            return new Reader(p, sink).read();
        }
    }

    /** Reads a whole table or a delta into memory. */
    public static RouteDelta read(InputStream in) throws IOException {
        Map<String, RouteEntry> routes = new LinkedHashMap<>();
        List<String> removed = new ArrayList<>();
        Header header = read(in, new Sink() {
            @Override
            public void begin(Header header) {
            }

            @Override
            public void entry(RouteEntry entry) {
                routes.put(entry.alias(), entry);
            }

            @Override
            public void removed(String alias) {
                removed.add(alias);
            }
        });
        return new RouteDelta(header.full(), header.since(), header.version(), header.generatedAt(), routes, removed);
    }

    private static final class Reader {
        private final JsonParser p;
        private final Sink sink;
        private final List<Provider> providers = new ArrayList<>();
        private final List<Deployment.Price> prices = new ArrayList<>();
        private final Map<String, String> models = new HashMap<>();
        private final Map<BigDecimal, BigDecimal> multipliers = new HashMap<>();
        private final Map<AliasPolicy, AliasPolicy> policies = new HashMap<>();
        private boolean full;
        private long since = -1;
        private long version = -1;
        private Instant generatedAt = Instant.EPOCH;
        private boolean begun;

        Reader(JsonParser p, Sink sink) {
            this.p = p;
            this.sink = sink;
        }

        Header read() throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME || !"format".equals(p.currentName())
                    || p.nextToken() != JsonToken.VALUE_STRING || !FORMAT.equals(p.getText())) {
                throw new UnsupportedFormatException("not a route table in format " + FORMAT);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "full" -> full = value == JsonToken.VALUE_TRUE;
                    case "since" -> since = p.getLongValue();
                    case "version" -> version = p.getLongValue();
                    case "generated_at" -> generatedAt = Instant.parse(p.getText());
                    case "providers" -> array(this::provider);
                    case "prices" -> array(this::price);
                    case "routes" -> {
                        begin();
                        array(() -> sink.entry(entry()));
                    }
                    case "removed" -> {
                        begin();
                        array(() -> sink.removed(p.getText()));
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IOException("route table: unexpected " + p.currentToken());
            }
            begin();
            return header();
        }

        private Header header() {
            return new Header(full, since, version, generatedAt);
        }

        private void begin() {
            if (!begun) {
                begun = true;
                sink.begin(header());
            }
        }

        private interface Item {
            void read() throws IOException;
        }

        private void array(Item item) throws IOException {
            expect(JsonToken.START_ARRAY);
            while (p.nextToken() != JsonToken.END_ARRAY) {
                item.read();
            }
        }

        private void expect(JsonToken token) throws IOException {
            if (p.currentToken() != token) {
                throw new IOException("route table: expected " + token + " at " + p.currentName() + ", found " + p.currentToken());
            }
        }

        private void provider() throws IOException {
            expect(JsonToken.START_OBJECT);
            long id = 0;
            String name = null;
            ProviderKind kind = null;
            String endpoint = null;
            String apiKey = null;
            String region = null;
            Map<String, String> settings = Map.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = p.getLongValue();
                    case "name" -> name = text();
                    case "kind" -> kind = ProviderKind.fromWire(p.getText());
                    case "endpoint" -> endpoint = text();
                    case "api_key" -> apiKey = text();
                    case "region" -> region = text();
                    case "settings" -> {
                        Map<String, String> map = new HashMap<>();
                        expect(JsonToken.START_OBJECT);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            p.nextToken();
                            map.put(key, p.getText());
                        }
                        settings = Map.copyOf(map);
                    }
                    default -> p.skipChildren();
                }
            }
            providers.add(new Provider(id, name, kind, endpoint, apiKey, region, settings));
        }

        private void price() throws IOException {
            expect(JsonToken.START_OBJECT);
            BigDecimal input = null;
            BigDecimal output = null;
            String currency = null;
            BigDecimal cached = null;
            BigDecimal cacheWrite = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "input_per_million" -> input = decimal();
                    case "output_per_million" -> output = decimal();
                    case "currency" -> currency = text();
                    case "cached_input_per_million" -> cached = decimal();
                    case "cache_write_per_million" -> cacheWrite = decimal();
                    default -> p.skipChildren();
                }
            }
            prices.add(new Deployment.Price(input, output, currency, cached, cacheWrite));
        }

        private RouteEntry entry() throws IOException {
            expect(JsonToken.START_OBJECT);
            String alias = null;
            long created = 0;
            AliasPolicy policy = null;
            List<Deployment> deployments = new ArrayList<>(1);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "alias" -> alias = p.getText();
                    case "created" -> created = p.getLongValue();
                    case "policy" -> policy = policy();
                    case "deployments" -> array(() -> deployments.add(deployment()));
                    default -> p.skipChildren();
                }
            }
            if (alias == null) {
                throw new IOException("route table: an entry without alias");
            }
            return new RouteEntry(alias, created, deployments, policy);
        }

        private AliasPolicy policy() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expect(JsonToken.START_OBJECT);
            String strategy = null;
            int maxAttempts = AliasPolicy.DEFAULT.maxAttempts();
            int connect = AliasPolicy.DEFAULT.connectTimeoutMs();
            int firstByte = AliasPolicy.DEFAULT.firstByteTimeoutMs();
            int idle = AliasPolicy.DEFAULT.idleTimeoutMs();
            int total = AliasPolicy.DEFAULT.totalTimeoutMs();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "strategy" -> strategy = text();
                    case "max_attempts" -> maxAttempts = p.getIntValue();
                    case "connect_timeout_ms" -> connect = p.getIntValue();
                    case "first_byte_timeout_ms" -> firstByte = p.getIntValue();
                    case "idle_timeout_ms" -> idle = p.getIntValue();
                    case "total_timeout_ms" -> total = p.getIntValue();
                    default -> p.skipChildren();
                }
            }
            return policies.computeIfAbsent(new AliasPolicy(strategy, maxAttempts, connect, firstByte, idle, total), k -> k);
        }

        private Deployment deployment() throws IOException {
            expect(JsonToken.START_OBJECT);
            long id = 0;
            int provider = -1;
            String model = null;
            int price = -1;
            int weight = 0;
            int rateLimit = 0;
            int priority = 1;
            BigDecimal multiplier = null;
            Map<String, Integer> regionWeights = Map.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = p.getLongValue();
                    case "provider" -> provider = p.getIntValue();
                    case "model" -> model = models.computeIfAbsent(p.getText(), k -> k);
                    case "price" -> price = p.currentToken() == JsonToken.VALUE_NULL ? -1 : p.getIntValue();
                    case "weight" -> weight = p.getIntValue();
                    case "rate_limit" -> rateLimit = p.getIntValue();
                    case "priority" -> priority = p.getIntValue();
                    case "cost_multiplier" -> {
                        BigDecimal m = decimal();
                        multiplier = m == null ? null : multipliers.computeIfAbsent(m, k -> k);
                    }
                    case "region_weights" -> {
                        Map<String, Integer> map = new HashMap<>();
                        expect(JsonToken.START_OBJECT);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            p.nextToken();
                            map.put(key, p.getIntValue());
                        }
                        regionWeights = map;
                    }
                    default -> p.skipChildren();
                }
            }
            if (provider < 0 || provider >= providers.size()) {
                throw new IOException("route table: deployment " + id + " refers to provider " + provider + " not listed");
            }
            if (price >= prices.size()) {
                throw new IOException("route table: deployment " + id + " refers to price " + price + " not listed");
            }
            Provider pr = providers.get(provider);
            return new Deployment(id, pr.id(), pr.name(), pr.kind(), pr.endpoint(), pr.apiKeyEnvelope(), model, weight, rateLimit,
                    pr.region(), regionWeights, priority, multiplier, pr.settings(), price < 0 ? null : prices.get(price));
        }

        private String text() throws IOException {
            return p.currentToken() == JsonToken.VALUE_NULL ? null : p.getText();
        }

        private BigDecimal decimal() throws IOException {
            return p.currentToken() == JsonToken.VALUE_NULL ? null : p.getDecimalValue();
        }
    }
}
