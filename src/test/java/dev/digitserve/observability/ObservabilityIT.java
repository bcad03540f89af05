package dev.digitserve.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.digitserve.batching.TracingBatchObserver;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The observability of the running service over real HTTP: the trace of a prediction (server span, queue wait,
 * batch) in an in-memory OpenTelemetry exporter, the W3C {@code traceparent} in and out, the access log, and the
 * dashboard's and alert rules' queries against the real {@code /actuator/prometheus} output.
 *
 * <p>The model is a small linear "lasso" (no native engine warm-up), so the context starts quickly.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.opentelemetry.tracing.export.schedule-delay=20ms")
@Import(ObservabilityIT.Spans.class)
class ObservabilityIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-observability",
            root -> TestModels.writeRowLasso(root, "lasso", 1));
    private static final String PREDICT = "/api/v1/models/lasso/predict";
    private static final String GATEWAY_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String GATEWAY_SPAN = "b7ad6b7169203331";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TestConfiguration
    static class Spans {
        @Bean
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create(); // Boot's span processor exports to every SpanExporter bean
        }
    }

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    InMemorySpanExporter spans;

    private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
    private Logger accessLogger;

    @BeforeEach
    void captureAccessLog() {
        spans.reset();
        accessLogger = (Logger) LoggerFactory.getLogger("dev.digitserve.access");
        accessLog.start();
        accessLogger.addAppender(accessLog);
    }

    @AfterEach
    void releaseAccessLog() {
        accessLogger.detachAppender(accessLog);
    }

    private static String oneImage(int row, String extraField) {
        float[] pixels = TestModels.rowImage(row);
        String values = IntStream.range(0, pixels.length).mapToObj(i -> pixels[i] == 0 ? "0" : "1")
                .collect(Collectors.joining(",", "[", "]"));
        return "{\"instances\":[" + values + "]" + extraField + "}";
    }

    private HttpTestClient.Response predict(String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + PREDICT))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return new HttpTestClient(port).send(request);
    }

    // ---- tracing ----------------------------------------------------------------------------------------------

    @Test
    void aPredictionIsOneServerSpanWithQueueWaitAndBatchChildrenInTheGatewaysTrace() {
        HttpTestClient.Response response = predict(oneImage(4, ""),
                Map.of("traceparent", "00-" + GATEWAY_TRACE + "-" + GATEWAY_SPAN + "-01"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("predictions").get(0).get("digit").asInt()).isEqualTo(4);

        // the response names the same trace and the server's own span
        String returned = response.raw().headers().firstValue("traceparent").orElseThrow();
        Matcher traceparent = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-01").matcher(returned);
        assertThat(traceparent.matches()).as(returned).isTrue();
        assertThat(traceparent.group(1)).isEqualTo(GATEWAY_TRACE);
        String serverSpanId = traceparent.group(2);

        await().atMost(WAIT).untilAsserted(() -> assertThat(spansOf(GATEWAY_TRACE))
                .extracting(SpanData::getName).contains(TracingBatchObserver.QUEUE_WAIT_SPAN,
                        TracingBatchObserver.BATCH_SPAN).hasSizeGreaterThanOrEqualTo(3));
        List<SpanData> trace = spansOf(GATEWAY_TRACE);
        SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData wait = only(trace, TracingBatchObserver.QUEUE_WAIT_SPAN);
        SpanData batch = only(trace, TracingBatchObserver.BATCH_SPAN);

        assertThat(server.getSpanId()).isEqualTo(serverSpanId);
        assertThat(server.getParentSpanId()).isEqualTo(GATEWAY_SPAN);
        assertThat(server.getName()).isEqualTo("http post /api/v1/models/{name}/predict");
        assertThat(wait.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(batch.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(batch.getLinks()).extracting(link -> link.getSpanContext().getSpanId()).containsExactly(serverSpanId);
        assertThat(wait.getLinks()).extracting(link -> link.getSpanContext().getSpanId())
                .containsExactly(batch.getSpanId());
        // the time line: request ⊇ queue wait, then batch
        assertThat(wait.getStartEpochNanos()).isGreaterThanOrEqualTo(server.getStartEpochNanos());
        assertThat(wait.getEndEpochNanos()).isLessThanOrEqualTo(batch.getStartEpochNanos());
        assertThat(batch.getEndEpochNanos()).isLessThanOrEqualTo(server.getEndEpochNanos());

        for (SpanData span : List.of(server, batch)) {
            assertThat(span.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.MODEL))).isEqualTo("lasso");
            assertThat(span.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.VERSION))).isEqualTo("1");
        }
        assertThat(server.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.BATCH_SIZE))).isEqualTo("1");
        assertThat(batch.getAttributes().get(AttributeKey.longKey(TracingBatchObserver.BATCH_SIZE))).isEqualTo(1L);
    }

    @Test
    void withoutAnIncomingTraceTheServiceStartsOneAndReturnsIt() {
        HttpTestClient.Response response = predict(oneImage(2, ""), Map.of());
        assertThat(response.status()).isEqualTo(200);
        String returned = response.raw().headers().firstValue("traceparent").orElseThrow();
        assertThat(returned).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        String traceId = returned.substring(3, 35);
        await().atMost(WAIT).untilAsserted(() -> assertThat(spansOf(traceId)).extracting(SpanData::getName)
                .contains(TracingBatchObserver.BATCH_SPAN));
        assertThat(spansOf(traceId)).filteredOn(s -> s.getKind() == SpanKind.SERVER).singleElement()
                .satisfies(server -> assertThat(server.getParentSpanContext().isValid()).isFalse());
    }

    private List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static SpanData only(List<SpanData> spans, String name) {
        List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as(name).hasSize(1);
        return named.get(0);
    }

    // ---- access log -------------------------------------------------------------------------------------------

    @Test
    void everyRequestGetsOneAccessLogLineWithTraceIdsAndNeitherBodyNorApiKey() {
        String bodySecret = "BODY-SECRET-0815";
        String keySecret = "KEY-SECRET-4711";
        HttpTestClient.Response ok = predict(oneImage(7, ""), Map.of("X-API-Key", keySecret));
        assertThat(ok.status()).isEqualTo(200);
        // a refused body (not 784 values) that carries the marker: its line must not either
        HttpTestClient.Response bad = predict("{\"instances\":[[\"" + bodySecret + "\"]]}", Map.of("X-API-Key", keySecret));
        assertThat(bad.status()).isEqualTo(400);

        await().atMost(WAIT).until(() -> linesFor(PREDICT).size() >= 2);
        List<ILoggingEvent> lines = linesFor(PREDICT);
        assertThat(lines).hasSize(2);
        ILoggingEvent success = lines.stream().filter(e -> pairs(e).get("http.response.status_code").equals(200))
                .findFirst().orElseThrow();
        ILoggingEvent refused = lines.stream().filter(e -> pairs(e).get("http.response.status_code").equals(400))
                .findFirst().orElseThrow();

        Map<String, Object> fields = pairs(success);
        assertThat(fields).containsEntry("http.request.method", "POST").containsEntry("url.path", PREDICT)
                .containsEntry(TracingBatchObserver.MODEL, "lasso").containsEntry(TracingBatchObserver.VERSION, "1")
                .containsEntry(TracingBatchObserver.BATCH_SIZE, 1);
        assertThat((Long) fields.get("event.duration")).isPositive();
        assertThat(success.getFormattedMessage()).startsWith("POST " + PREDICT + " 200 ")
                .contains("model=lasso version=1 batch=1");
        String okTrace = ok.raw().headers().firstValue("traceparent").orElseThrow().substring(3, 35);
        assertThat(success.getMDCPropertyMap()).containsEntry("traceId", okTrace).containsKey("spanId");

        assertThat(pairs(refused)).doesNotContainKeys(TracingBatchObserver.MODEL, TracingBatchObserver.BATCH_SIZE);
        String badTrace = bad.raw().headers().firstValue("traceparent").orElseThrow().substring(3, 35);
        assertThat(refused.getMDCPropertyMap()).containsEntry("traceId", badTrace);

        // as the container writes them: ECS JSON, one object per line, with the trace id and no secret
        for (ILoggingEvent event : lines) {
            String json = ecs(event);
            assertThat(json).doesNotContain(bodySecret).doesNotContain(keySecret).doesNotContain("instances");
            JsonNode parsed = JSON.readTree(json);
            assertThat(parsed.get("traceId").asString()).isIn(okTrace, badTrace);
            assertThat(parsed.get("http").get("request").get("method").asString()).isEqualTo("POST");
            assertThat(parsed.get("url").get("path").asString()).isEqualTo(PREDICT);
        }
    }

    private List<ILoggingEvent> linesFor(String path) {
        synchronized (accessLog.list) {
            return accessLog.list.stream().filter(e -> path.equals(pairs(e).get("url.path"))).toList();
        }
    }

    private static Map<String, Object> pairs(ILoggingEvent event) {
        Map<String, Object> pairs = new HashMap<>();
        if (event.getKeyValuePairs() != null) {
            event.getKeyValuePairs().forEach(pair -> pairs.put(pair.key, pair.value));
        }
        return pairs;
    }

    private static String ecs(ILoggingEvent event) {
        StructuredLogEncoder encoder = new StructuredLogEncoder();
        encoder.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        encoder.setFormat("ecs");
        encoder.start();
        try {
            return new String(encoder.encode(event), StandardCharsets.UTF_8).strip();
        } finally {
            encoder.stop();
        }
    }

    // ---- dashboard and alert queries against the real metrics --------------------------------------------------

    /** Labels Prometheus adds to every series at scrape time; the application never exposes them. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job", "namespace", "pod", "service",
            "container", "endpoint");

    @Test
    void everyMetricAndLabelInTheDashboardAndAlertsExistsInTheScrape() throws IOException {
        // traffic first, so the per-version batcher meters and the HTTP meters of a prediction exist
        assertThat(predict(oneImage(3, ""), Map.of()).status()).isEqualTo(200);
        assertThat(predict("{\"instances\":[[1]]}", Map.of()).status()).isEqualTo(400);
        HttpTestClient.Response scrape = new HttpTestClient(port).get("/actuator/prometheus");
        assertThat(scrape.status()).isEqualTo(200);
        Map<String, List<Map<String, String>>> series = parseExposition(scrape.body());

        Map<String, String> queries = new LinkedHashMap<>();
        queries.putAll(dashboardQueries());
        queries.putAll(alertQueries());
        assertThat(queries).hasSizeGreaterThan(20);

        List<String> problems = new ArrayList<>();
        Set<String> metricsUsed = new LinkedHashSet<>();
        for (Map.Entry<String, String> query : queries.entrySet()) {
            PromQlSelectors.Parsed parsed = PromQlSelectors.parse(query.getValue());
            assertThat(parsed.selectors()).as(query.getKey()).isNotEmpty();
            Set<String> labelsInExpression = new LinkedHashSet<>(TARGET_LABELS);
            for (PromQlSelectors.Selector selector : parsed.selectors()) {
                metricsUsed.add(selector.metric());
                List<Map<String, String>> found = series.get(selector.metric());
                if (found == null) {
                    problems.add(query.getKey() + ": no metric " + selector.metric());
                    continue;
                }
                found.forEach(labels -> labelsInExpression.addAll(labels.keySet()));
                for (PromQlSelectors.LabelMatcher matcher : selector.matchers()) {
                    boolean labelExists = TARGET_LABELS.contains(matcher.label())
                            || found.stream().anyMatch(labels -> labels.containsKey(matcher.label()));
                    if (!labelExists) {
                        problems.add(query.getKey() + ": " + selector.metric() + " has no label " + matcher.label());
                    } else if (matcher.op().equals("=") && !matcher.value().contains("$")
                            && found.stream().noneMatch(labels -> matcher.value().equals(labels.get(matcher.label())))) {
                        problems.add(query.getKey() + ": " + selector.metric() + " has no series with "
                                + matcher.label() + "=\"" + matcher.value() + "\"");
                    }
                }
            }
            for (String label : parsed.groupingLabels()) {
                if (!labelsInExpression.contains(label)) {
                    problems.add(query.getKey() + ": grouping label " + label + " is on none of its metrics");
                }
            }
        }
        assertThat(problems).isEmpty();
        // the panels the issue asks for are there
        assertThat(metricsUsed).contains("digitserve_inference_requests_seconds_bucket",
                "digitserve_batch_queue_wait_seconds_sum", "digitserve_batch_compute_seconds_sum",
                "digitserve_batch_size_bucket", "digitserve_batch_queue_depth", "digitserve_inference_rejected_total",
                "digitserve_training_jobs", "jvm_memory_used_bytes", "digitserve_javacpp_memory_used_bytes",
                "digitserve_javacpp_physical_memory_used_bytes", "digitserve_model_load_failures_total",
                "digitserve_readiness");
    }

    private static Map<String, String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(Files.readString(
                ROOT.resolve("k8s/observability/digitserve-dashboard.json")));
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : dashboard.get("panels")) {
            JsonNode targets = panel.get("targets");
            if (targets == null) {
                continue;
            }
            for (JsonNode target : targets) {
                queries.put("panel \"" + panel.get("title").asString() + "\" " + target.get("refId").asString(),
                        target.get("expr").asString());
            }
        }
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            if (variable.get("type").asString().equals("query")) {
                queries.put("variable " + variable.get("name").asString(),
                        variable.get("query").get("query").asString());
            }
        }
        return queries;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> alertQueries() throws IOException {
        Map<String, Object> rule = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(ROOT.resolve("k8s/observability/prometheusrule.yaml")));
        Map<String, String> queries = new LinkedHashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
            for (Map<String, Object> alert : (List<Map<String, Object>>) group.get("rules")) {
                queries.put("alert " + alert.get("alert"), alert.get("expr").toString());
            }
        }
        return queries;
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** Prometheus text exposition: metric name to the label sets of its samples. */
    static Map<String, List<Map<String, String>>> parseExposition(String text) {
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("unparsed exposition line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            series.computeIfAbsent(sample.group(1), k -> new ArrayList<>()).add(labels);
        }
        return series;
    }
}
