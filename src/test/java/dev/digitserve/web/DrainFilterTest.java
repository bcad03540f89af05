package dev.digitserve.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import jakarta.servlet.DispatcherType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What {@link DrainFilter} does to a request in each state of {@link ShutdownDrain}. */
class DrainFilterTest {
    private final AtomicReference<ShutdownDrain.State> state = new AtomicReference<>(ShutdownDrain.State.SERVING);
    private final DrainFilter filter = new DrainFilter(state::get);

    @Test
    void whileServingRequestsPassWithoutConnectionHeader() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(post("/api/v1/models/cnn/predict"), response, chain);
        assertThat(chain.getRequest()).isNotNull();
        assertThat(response.getHeader("Connection")).isNull();
    }

    @Test
    void whileDrainingRequestsAreServedAndTheAnswerClosesTheConnection() throws Exception {
        state.set(ShutdownDrain.State.DRAINING);
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(post("/api/v1/models/cnn/predict"), response, chain);
        assertThat(chain.getRequest()).as("served normally").isNotNull();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeader("Connection")).isEqualTo("close");
    }

    @Test
    void theAsyncDispatchOfARequestAcceptedBeforeTheDrainAlsoClosesTheConnection() throws Exception {
        state.set(ShutdownDrain.State.CLOSED);
        MockHttpServletRequest request = post("/api/v1/models/cnn/predict");
        request.setDispatcherType(DispatcherType.ASYNC);
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(request, response, chain);
        assertThat(chain.getRequest()).as("an accepted request is always answered").isNotNull();
        assertThat(response.getHeader("Connection")).isEqualTo("close");
    }

    @Test
    void afterTheDrainV1RequestsAreRefusedWithProblemDetails() throws Exception {
        state.set(ShutdownDrain.State.CLOSED);
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(post("/api/v1/models/cnn/predict"), response, chain);
        assertThat(chain.getRequest()).isNull();
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeader("Retry-After")).isEqualTo("1");
        assertThat(response.getHeader("Connection")).isEqualTo("close");
        assertThat(response.getContentType()).startsWith("application/problem+json");
        JsonNode body = JsonMapper.shared().readTree(response.getContentAsString());
        assertThat(body.get("type").asString()).isEqualTo("urn:digitserve:problem:unavailable");
        assertThat(body.get("status").asInt()).isEqualTo(503);
        assertThat(body.get("detail").asString()).contains("shutting down");
    }

    @Test
    void afterTheDrainV2RequestsAreRefusedInTheProtocolsErrorShape() throws Exception {
        state.set(ShutdownDrain.State.CLOSED);
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(post("/v2/models/cnn/infer"), response, chain);
        assertThat(chain.getRequest()).isNull();
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeader("Retry-After")).isEqualTo("1");
        assertThat(response.getContentType()).startsWith("application/json");
        JsonNode body = JsonMapper.shared().readTree(response.getContentAsString());
        assertThat(body.propertyNames()).containsExactly("error");
        assertThat(body.get("error").asString()).contains("shutting down");
    }

    private static MockHttpServletRequest post(String path) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        request.setContentType("application/json");
        return request;
    }
}
