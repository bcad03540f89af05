package dev.digitserve.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.batching.BatchingException;
import dev.digitserve.batching.BatchingException.Reason;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;

/**
 * The one error table through both renderers, as a web slice: the same failure is problem details under
 * {@code /api/v1} and {@code {"error"}} under {@code /v2}, with the same status and headers, whether a
 * controller, Spring MVC's routing or a servlet filter refused the request.
 */
@EnableConfigurationProperties({SecurityProperties.class, WebProperties.class, ShutdownProperties.class})
// test classes' nested types are left out of component scanning; the drain is what the drain filter reads
@Import({ApiErrorShapesTest.Failing.class, ShutdownDrain.class})
@WebMvcTest(controllers = ApiErrorShapesTest.Failing.class, properties = {
        "digitserve.security.api-keys=the-key",
        "digitserve.security.require-key-for-prediction=true",
        "digitserve.web.max-request-size=1KB"})
class ApiErrorShapesTest {
    private static final String V1 = "/api/v1/models/cnn/predict";
    private static final String V2 = "/v2/models/cnn/infer";

    @Autowired
    MockMvc mvc;

    /** Throws what the path names, on a v1 and a V2 path. */
    @RestController
    static class Failing {
        @PostMapping({"/api/v1/models/{name}/predict", "/v2/models/{name}/infer"})
        String fail(@PathVariable String name, @org.springframework.web.bind.annotation.RequestParam String what) {
            throw switch (what) {
                case "full" -> new BatchingException(Reason.QUEUE_FULL, "the queue of cnn v1 is full", 3);
                case "deadline" -> new BatchingException(Reason.DEADLINE, "not answered within 5 ms", 1);
                case "shutdown" -> new BatchingException(Reason.SHUTDOWN, "cnn v1 is shutting down", 1);
                case "engine" -> BatchingException.engineFailed("batch failed",
                        new IllegalStateException("native crash at /tmp/secret"));
                case "invalid" -> new InvalidRequestException("inputs[0].shape: wrong",
                        List.of(new FieldError("inputs[0].shape", "wrong")));
                case "unknown" -> new UnknownModelException("no model named 'cnn'");
                case "image" -> new InvalidImageException("the data is not a PNG or JPEG image");
                default -> new IllegalStateException("a bug at /srv/digitserve/Secret.java");
            };
        }
    }

    private ResultActions call(String path, String what) throws Exception {
        return mvc.perform(post(path).param("what", what).header("X-API-Key", "the-key"));
    }

    private static void isProblem(ResultActions result, int status, String type) throws Exception {
        result.andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:" + type))
                .andExpect(jsonPath("$.status").value(status))
                .andExpect(jsonPath("$.error").doesNotExist());
    }

    private static void isProtocolError(ResultActions result, int status) throws Exception {
        result.andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.error").isString())
                .andExpect(jsonPath("$.type").doesNotExist());
    }

    @Test
    void batchingRefusalsHaveOneStatusAndRetryAfterOnBothApis() throws Exception {
        String[][] cases = {{"full", "429", "overloaded", "3"}, {"deadline", "503", "deadline-exceeded", "1"},
                {"shutdown", "503", "unavailable", "1"}};
        for (String[] c : cases) {
            ResultActions v1 = call(V1, c[0]).andExpect(header().string("Retry-After", c[3]));
            isProblem(v1, Integer.parseInt(c[1]), c[2]);
            ResultActions v2 = call(V2, c[0]).andExpect(header().string("Retry-After", c[3]));
            isProtocolError(v2, Integer.parseInt(c[1]));
        }
    }

    @Test
    void engineFailuresAndBugsAre500WithoutInternals() throws Exception {
        isProblem(call(V1, "engine").andExpect(content().string(not(containsString("/tmp/secret")))), 500,
                "inference-failed");
        isProtocolError(call(V2, "engine").andExpect(content().string(not(containsString("/tmp/secret")))), 500);
        isProblem(call(V1, "bug").andExpect(content().string(not(containsString("Secret")))), 500, "internal-error");
        isProtocolError(call(V2, "bug").andExpect(content().string(not(containsString("Secret")))), 500);
    }

    @Test
    void clientErrorsKeepTheirFieldsOnV1AndTheirMessageOnV2() throws Exception {
        isProblem(call(V1, "invalid").andExpect(jsonPath("$.errors[0].pointer").value("inputs[0].shape")), 400,
                "invalid-request");
        isProtocolError(call(V2, "invalid").andExpect(jsonPath("$.error").value("inputs[0].shape: wrong")), 400);
        isProblem(call(V1, "unknown"), 404, "model-not-found");
        isProtocolError(call(V2, "unknown"), 404);
        isProblem(call(V1, "image"), 400, "invalid-image");
    }

    @Test
    void theApiKeyFilterAnswersInEachApisShape() throws Exception {
        isProblem(mvc.perform(post(V1).param("what", "full")), 401, "unauthorized");
        isProtocolError(mvc.perform(post(V2).param("what", "full"))
                .andExpect(header().exists("WWW-Authenticate")), 401);
        isProblem(mvc.perform(post(V1).param("what", "full").header("X-API-Key", "wrong")), 403, "forbidden");
        isProtocolError(mvc.perform(post(V2).param("what", "full").header("X-API-Key", "wrong")), 403);
    }

    @Test
    void theSizeFilterAnswersInEachApisShape() throws Exception {
        byte[] big = new byte[2048];
        isProblem(mvc.perform(post(V1).header("X-API-Key", "the-key").contentType(MediaType.APPLICATION_JSON)
                .content(big)), 413, "payload-too-large");
        isProtocolError(mvc.perform(post(V2).header("X-API-Key", "the-key").contentType(MediaType.APPLICATION_JSON)
                .content(big)), 413);
    }

    @Test
    void routingErrorsAnswerInEachApisShape() throws Exception {
        isProblem(mvc.perform(get("/api/v1/nowhere")), 404, "not-found");
        isProtocolError(mvc.perform(get("/v2/nowhere")).andExpect(jsonPath("$.error").value(
                containsString("no such endpoint"))), 404);
        isProblem(mvc.perform(put(V1).header("X-API-Key", "the-key")), 405, "method-not-allowed");
        isProtocolError(mvc.perform(put(V2).header("X-API-Key", "the-key"))
                .andExpect(header().exists("Allow")), 405);
    }
}
