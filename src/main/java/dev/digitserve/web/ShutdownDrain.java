package dev.digitserve.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.catalina.Service;
import org.apache.catalina.connector.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Drains HTTP keep-alive connections at shutdown, before Spring Boot's graceful shutdown of the web server, so
 * that no request that reached the service is cut off.
 *
 * <p>Why: Spring Boot's graceful shutdown pauses Tomcat's connector first. A paused Tomcat closes each keep-alive
 * connection after its current response without saying so ({@code Connection: close} is not sent), and closes a
 * connection that brings a new request without answering it. A client that has just sent its next POST on such a
 * connection sees EOF, a reset or "server closed idle connection", and clients do not retry POSTs.
 *
 * <p>What it does, when the context closes (SIGTERM), in a lifecycle phase that stops just before the web
 * server's graceful shutdown:
 * <ol>
 *   <li>closes Tomcat's listening socket, so new connections are refused (a refused connection carried no request
 *       and is safe to retry elsewhere). Tomcat also stops keeping alive any connection whose next request it
 *       reads from then on;</li>
 *   <li>enters {@link State#DRAINING}: {@link DrainFilter} adds {@code Connection: close} to every response, also
 *       to those of requests read before;</li>
 *   <li>keeps serving requests on the connections already open, normally, until every connection has been closed
 *       after its answer, or {@link ShutdownProperties#drainTime()} has passed;</li>
 *   <li>enters {@link State#CLOSED} and returns: the web server's graceful shutdown then waits for requests still
 *       running (the batcher answers what is queued) and closes the connections that stayed idle throughout.
 *       A request that still reaches the application after this point is refused with 503 and
 *       {@code Retry-After} by {@link DrainFilter}.</li>
 * </ol>
 *
 * <p>Blocking: {@link #stop()} blocks the closing thread for at most the drain time (Tomcat polls its open
 * connections every 50 ms). Thread-safety: {@link #state()} may be read from any thread. Without a Tomcat web
 * server (a mock web environment) only the state changes. Not pauseable: it runs when the context closes, never
 * when it is only paused.
 *
 * <p>What it cannot promise, as no HTTP/1.1 server can: a request sent on a connection that stayed idle through
 * the whole drain, at the very moment that connection is closed, is lost; and a connection still in the kernel's
 * accept queue when the listener closes is reset with its request unread.
 */
@Component
class ShutdownDrain implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ShutdownDrain.class);

    /** Where a shutting-down service is. */
    enum State {
        /** Normal operation. */
        SERVING,
        /** Listener closed; requests on open connections are answered, each with {@code Connection: close}. */
        DRAINING,
        /** Drain over; the web server is shutting down. Requests that still arrive are refused with 503. */
        CLOSED
    }

    private final ApplicationContext context;
    private final ShutdownProperties properties;
    private volatile State state = State.SERVING;
    private volatile boolean running;

    ShutdownDrain(ApplicationContext context, ShutdownProperties properties) {
        this.context = context;
        this.properties = properties;
    }

    State state() {
        return state;
    }

    @Override
    public void start() {
        state = State.SERVING;
        running = true;
    }

    @Override
    public void stop() {
        long start = System.nanoTime();
        List<Connector> connectors = tomcatConnectors();
        // First the listener: Connection: close makes clients reconnect at once, and a connection that reaches the
        // accept queue just before the listener closes is reset. Tomcat also answers whatever it reads from now on
        // with maxKeepAliveRequests = 1, i.e. Connection: close.
        connectors.forEach(connector -> connector.getProtocolHandler().closeServerSocketGraceful());
        state = State.DRAINING;
        log.info("Draining: listener closed; answering requests on open connections with Connection: close for at"
                + " most {} ms", properties.drainTime().toMillis());
        long remaining = properties.drainTime().toMillis();
        for (Connector connector : connectors) {
            if (remaining > 0) {
                remaining = connector.getProtocolHandler().awaitConnectionsClose(remaining);
            }
        }
        state = State.CLOSED;
        running = false;
        log.info("Drain over after {} ms: {}", (System.nanoTime() - start) / 1_000_000, remaining > 0
                ? "every connection was closed after its answer"
                : "connections that stayed idle are left to the web server's shutdown");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Not stopped when a context is only paused (Spring's test context cache pauses the contexts it is not using):
     * a closed listener cannot be reopened, so draining is for the context's close alone, like the web server's
     * own graceful shutdown.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    /** Stops after every default-phase bean and right before the web server's graceful shutdown begins. */
    @Override
    public int getPhase() {
        return WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1;
    }

    private List<Connector> tomcatConnectors() {
        if (context instanceof WebServerApplicationContext web && web.getWebServer() instanceof TomcatWebServer tomcat) {
            List<Connector> connectors = new ArrayList<>();
            for (Service service : tomcat.getTomcat().getServer().findServices()) {
                Collections.addAll(connectors, service.findConnectors());
            }
            return connectors;
        }
        return List.of();
    }
}
