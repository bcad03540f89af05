package dev.digitserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.digitserve.support.Ports;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Shutdown under load, as an operator does it without Kubernetes' preStop delay: the packaged jar runs as a child
 * process on the shipped CNN, keep-alive clients post one digit each in a closed loop (half on v1, half on V2),
 * and the process gets a plain SIGTERM mid-load. Every request that was sent must get an answer, 200 or 503 with
 * {@code Retry-After}; none may end in EOF or a reset. The clients speak HTTP/1.1 over raw sockets so that the test
 * sees exactly what happened to each request and each connection: a client drops its connection only when an
 * answer says {@code Connection: close}, and stops when a new connection is refused (the listener has closed, and
 * nothing was sent).
 */
class GracefulShutdownIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CLIENTS = 8;
    /** Answers to wait for before SIGTERM, so that the service is busy and the batcher's queue is in use. */
    private static final int ANSWERS_BEFORE_SIGTERM = 300;

    private Process server;

    @AfterEach
    void killServer() {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
        }
    }

    @Test
    void everyRequestSentWhileShuttingDownIsAnsweredAndEveryConnectionIsClosedByAnAnswer() throws Exception {
        Path models = TestModels.temporaryRepository("digitserve-shutdown", root -> TestModels.copyShipped(root, "cnn/1"));
        int port = Ports.free();
        Path log = Path.of("target", "GracefulShutdownIT-server.log");
        server = new ProcessBuilder(javaCommand(), "-jar", jar().toString(),
                "--server.port=" + port,
                "--digitserve.models.dir=" + models,
                // Tomcat ends every 100th exchange with Connection: close by default. The client's reconnect can
                // land in the kernel's accept queue just as the listener closes, and such a connection is reset
                // with its request unread: the one case no server can answer. Unlimited keep-alive keeps that
                // unrelated race out of this test, so that every reconnect here is one the drain asked for.
                "--server.tomcat.max-keep-alive-requests=-1",
                // the fixed warm-up rounds still run; waiting for the JIT to go quiet (~40 s) adds nothing here
                "--digitserve.warmup.until-jit-quiet=false")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(server.supportsNormalTermination()).as("Process.destroy() sends SIGTERM").isTrue();
        awaitReady(port, log);

        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        Load load = new Load();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<End>> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                String path = i % 2 == 0 ? "/api/v1/models/cnn/predict" : "/v2/models/cnn/infer";
                byte[] request = post(port, path, i % 2 == 0 ? v1Body() : v2Body());
                Client client = new Client(i, address, path, request, load);
                clients.add(pool.submit(client::run));
            }
            assertThat(load.answered.await(60, TimeUnit.SECONDS))
                    .as("%d answers before SIGTERM; failures so far: %s", ANSWERS_BEFORE_SIGTERM, load.failures).isTrue();
            load.sigtermAt = System.nanoTime();
            server.destroy();

            List<End> ends = new ArrayList<>();
            for (Future<End> client : clients) {
                ends.add(client.get(60, TimeUnit.SECONDS));
            }
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the service exits after SIGTERM").isTrue();

            List<Exchange> exchanges = List.copyOf(load.exchanges);
            Map<Integer, Long> byStatus = exchanges.stream()
                    .collect(Collectors.groupingBy(Exchange::status, Collectors.counting()));
            long inFlightAtSigterm = exchanges.stream()
                    .filter(e -> e.sentNanos() < load.sigtermAt && e.answeredNanos() > load.sigtermAt).count();
            long sentAfterSigterm = exchanges.stream().filter(e -> e.sentNanos() > load.sigtermAt).count();
            System.out.printf(Locale.ROOT, "GracefulShutdownIT: answers by status %s; %d in flight at SIGTERM and"
                            + " answered after it; %d sent after SIGTERM; %d connections; client ends %s; failures %s%n",
                    byStatus, inFlightAtSigterm, sentAfterSigterm, load.connections.size(), ends, load.failures);

            assertThat(load.failures).as("requests that were sent and got no answer (server log: %s)", log).isEmpty();
            assertThat(ends).as("every client's last connection was closed by an answer saying Connection: close,"
                    + " and its next connection was refused").containsOnly(End.REFUSED_AFTER_SIGTERM);
            assertThat(byStatus.keySet()).isSubsetOf(200, 503).contains(200);
            assertThat(exchanges).filteredOn(e -> e.status() == 503)
                    .allSatisfy(e -> assertThat(e.retryAfter()).isEqualTo("1"));
            assertThat(exchanges).filteredOn(e -> e.status() == 200).allSatisfy(GracefulShutdownIT::predictsSeven);
            assertThat(inFlightAtSigterm).as("requests queued or computing at SIGTERM were answered").isPositive();
            assertThat(exchanges).filteredOn(e -> e.answeredNanos() > load.sigtermAt)
                    .as("answers after SIGTERM tell the client to close").anySatisfy(e ->
                            assertThat(e.connectionClose()).isTrue());
            assertThat(server.exitValue()).as("exit status of a JVM ended by SIGTERM").isEqualTo(128 + 15);
        } finally {
            pool.shutdownNow();
        }
    }

    /** What happened to one request: its answer and when it was sent and answered. */
    record Exchange(int client, String path, int status, String retryAfter, boolean connectionClose,
                    long sentNanos, long answeredNanos, String body) {
    }

    enum End { REFUSED_AFTER_SIGTERM, REFUSED_BEFORE_SIGTERM, FAILED }

    /** Shared by the clients: what they saw, and the signal that the service is under load. */
    static final class Load {
        final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Integer> connections = new ConcurrentLinkedQueue<>();
        final CountDownLatch answered = new CountDownLatch(ANSWERS_BEFORE_SIGTERM);
        volatile long sigtermAt = Long.MAX_VALUE;

        boolean sigtermSent() {
            return sigtermAt != Long.MAX_VALUE;
        }
    }

    /** A keep-alive HTTP/1.1 client in a closed loop: the next request goes out as soon as the answer is read. */
    private record Client(int id, InetSocketAddress address, String path, byte[] request, Load load) {
        End run() throws IOException {
            Socket socket = null;
            int requestsOnConnection = 0;
            while (true) {
                if (socket == null) {
                    socket = new Socket();
                    try {
                        socket.connect(address, 5_000);
                    } catch (ConnectException e) {
                        socket.close();
                        if (load.sigtermSent()) {
                            return End.REFUSED_AFTER_SIGTERM;
                        }
                        load.failures.add("client " + id + ": connection refused before SIGTERM");
                        return End.REFUSED_BEFORE_SIGTERM;
                    }
                    socket.setSoTimeout(30_000);
                    load.connections.add(id);
                    requestsOnConnection = 0;
                }
                long sent = System.nanoTime();
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request);
                    out.flush();
                    requestsOnConnection++;
                    RawResponse response = RawResponse.read(socket.getInputStream());
                    long answered = System.nanoTime();
                    String connection = response.header("connection");
                    boolean close = connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
                    load.exchanges.add(new Exchange(id, path, response.status(), response.header("retry-after"),
                            close, sent, answered, response.body()));
                    load.answered.countDown();
                    if (close) {
                        socket.close();
                        socket = null;
                    }
                } catch (IOException e) {
                    load.failures.add(String.format(Locale.ROOT, "client %d: request %d on its connection, sent %s"
                                    + " SIGTERM, got no answer: %s", id, requestsOnConnection,
                            sent < load.sigtermAt ? "before" : "after", e));
                    socket.close();
                    return End.FAILED;
                }
            }
        }
    }

    /**
     * An HTTP/1.1 response read off a keep-alive connection: by Content-Length or chunked, and to EOF only when the
     * answer has neither and says Connection: close (as Tomcat does for a streamed body on a closing connection).
     */
    record RawResponse(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }

        static RawResponse read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new EOFException("the connection was closed before any byte of the answer");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new HashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
                    body.write(exactly(in, size));
                    line(in);
                }
                for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                    // trailers are not used here
                }
            } else if (headers.containsKey("content-length")) {
                body.write(exactly(in, Integer.parseInt(headers.get("content-length"))));
            } else if ("close".equalsIgnoreCase(headers.get("connection"))) {
                // HTTP/1.1: without a length, an answer that closes the connection ends at the close
                in.transferTo(body);
            }
            return new RawResponse(status, headers, body.toString(StandardCharsets.UTF_8));
        }

        private static int chunkSize(String line) throws EOFException {
            if (line == null) {
                throw new EOFException("the connection was closed inside a chunked body");
            }
            int extension = line.indexOf(';');
            return Integer.parseInt((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
        }

        private static byte[] exactly(InputStream in, int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new EOFException("the connection was closed after " + bytes.length + " of " + n + " body bytes");
            }
            return bytes;
        }

        /** A CRLF-terminated line without its terminator; null at EOF before its first byte. */
        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    if (line.isEmpty()) {
                        return null;
                    }
                    throw new EOFException("the connection was closed inside the header line '" + line + "'");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    private static void predictsSeven(Exchange exchange) {
        JsonNode body = JSON.readTree(exchange.body());
        if (exchange.path().startsWith("/v2/")) {
            assertThat(body.has("outputs")).as(exchange.body()).isTrue();
            assertThat(body.get("outputs").get(0).get("data").get(0).asInt()).as(exchange.body()).isEqualTo(7);
        } else {
            assertThat(body.has("predictions")).as(exchange.body()).isTrue();
            assertThat(body.get("predictions").get(0).get("digit").asInt()).as(exchange.body()).isEqualTo(7);
        }
    }

    /** The MNIST seven of the OpenAPI example, as a v1 request: {@code {"instances": [28 rows of 28]}}. */
    private static byte[] v1Body() throws IOException {
        return exampleSeven();
    }

    /** The same seven as an Open Inference Protocol request: an FP32 tensor [1, 28, 28], output "digit" only. */
    private static byte[] v2Body() throws IOException {
        JsonNode instances = JSON.readTree(exampleSeven()).get("instances");
        ObjectNode body = JSON.createObjectNode();
        ObjectNode input = body.putArray("inputs").addObject();
        input.put("name", "input").put("datatype", "FP32");
        input.putArray("shape").add(1).add(28).add(28);
        input.set("data", instances);
        body.putArray("outputs").addObject().put("name", "digit");
        return JSON.writeValueAsBytes(body);
    }

    private static byte[] exampleSeven() throws IOException {
        try (InputStream in = GracefulShutdownIT.class.getResourceAsStream("/openapi/example-seven.json")) {
            return in.readAllBytes();
        }
    }

    private static byte[] post(int port, String path, byte[] body) {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    private void awaitReady(int port, Path log) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!server.isAlive()) {
                throw new AssertionError("the service exited with " + server.exitValue() + " before it was ready:\n"
                        + Files.readString(log));
            }
            return isReady(port);
        });
    }

    /** Asks for readiness on a connection it closes, so that no idle connection is left for the drain to wait on. */
    private static boolean isReady(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("GET /actuator/health/readiness HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return RawResponse.read(socket.getInputStream()).status() == 200;
        } catch (ConnectException e) {
            return false;
        }
    }

    private static Path jar() throws IOException {
        String configured = System.getProperty("digitserve.test.jar");
        if (configured != null) {
            return Path.of(configured);
        }
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("digitserve-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged jar in target/: run ./mvnw verify"));
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
