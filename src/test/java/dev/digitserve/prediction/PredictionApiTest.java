package dev.digitserve.prediction;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

import dev.digitserve.support.TestModels;

/**
 * Request and response shapes of the v1 prediction API and every client error, against a small real
 * model repository (a row-scoring linear model and a corrupt CNN version).
 */
@SpringBootTest(properties = "digitserve.prediction.max-instances=8")
@AutoConfigureMockMvc
class PredictionApiTest {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-api-test", root -> {
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeRowLasso(root, "rows", 2);
        TestModels.writeCorruptCnn(root, "rows", 3);
    });

    @Autowired
    MockMvc mvc;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    /** Posts JSON and, when the handler went asynchronous, waits for and dispatches its result. */
    private ResultActions postJson(String path, String body) throws Exception {
        var result = mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
        return result.getRequest().isAsyncStarted() ? mvc.perform(asyncDispatch(result))
                : mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private static String flat(float[] pixels) {
        return "[" + IntStream.range(0, pixels.length).mapToObj(i -> Float.toString(pixels[i]))
                .collect(Collectors.joining(",")) + "]";
    }

    private static String nested(float[] pixels) {
        return "[" + IntStream.range(0, 28).mapToObj(r -> flat(Arrays.copyOfRange(pixels, r * 28, r * 28 + 28)))
                .collect(Collectors.joining(",")) + "]";
    }

    @Test
    void predictsFlatAndNestedInstancesInRequestOrder() throws Exception {
        String body = "{\"instances\": [" + flat(TestModels.rowImage(3)) + "," + nested(TestModels.rowImage(8)) + "]}";

        postJson("/api/v1/models/rows/predict", body)
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.model").value("rows"))
                .andExpect(jsonPath("$.version").value(2))
                .andExpect(jsonPath("$.predictions", hasSize(2)))
                .andExpect(jsonPath("$.predictions[0].digit").value(3))
                .andExpect(jsonPath("$.predictions[1].digit").value(8))
                .andExpect(jsonPath("$.predictions[0].scores", hasSize(10)))
                .andExpect(jsonPath("$.predictions[0].probabilities").doesNotExist());
    }

    @Test
    void aVersionCanBeNamed() throws Exception {
        postJson("/api/v1/models/rows/versions/1/predict", "{\"instances\": [" + flat(TestModels.rowImage(5)) + "]}")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.version").value(1))
                .andExpect(jsonPath("$.predictions[0].digit").value(5));
    }

    @Test
    void listsModelsWithFailedVersionsAndTheirReason() throws Exception {
        mvc.perform(get("/api/v1/models/rows"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.servedVersion").value(2))
                .andExpect(jsonPath("$.ready").value(true))
                .andExpect(jsonPath("$.versions", hasSize(3)))
                .andExpect(jsonPath("$.versions[0].state").value("LOADED"))
                .andExpect(jsonPath("$.versions[0].card.kind").value("lasso"))
                .andExpect(jsonPath("$.versions[2].state").value("FAILED"))
                .andExpect(jsonPath("$.versions[2].reason").value(containsString("model.zip")))
                .andExpect(jsonPath("$.versions[2].reason").value(not(containsString("/"))));
        mvc.perform(get("/api/v1/models"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.models[0].name").value("rows"));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        expectProblem(postJson("/api/v1/models/rows/predict", "{\"instances\": [[0.1, 0.2"), 400, "invalid-request")
                .andExpect(jsonPath("$.detail").value(containsString("malformed JSON")));
    }

    @Test
    void missingOrEmptyInstancesIs400() throws Exception {
        expectProblem(postJson("/api/v1/models/rows/predict", "{\"images\": []}"), 400, "invalid-request")
                .andExpect(jsonPath("$.errors[0].pointer").value("/instances"));
        expectProblem(postJson("/api/v1/models/rows/predict", "{\"instances\": []}"), 400, "invalid-request")
                .andExpect(jsonPath("$.detail").value(containsString("empty")));
        expectProblem(postJson("/api/v1/models/rows/predict", "[1, 2]"), 400, "invalid-request");
    }

    @Test
    void tooManyInstancesIs400() throws Exception {
        String nine = String.join(",", Collections.nCopies(9, flat(new float[784])));
        expectProblem(postJson("/api/v1/models/rows/predict", "{\"instances\": [" + nine + "]}"), 400, "invalid-request")
                .andExpect(jsonPath("$.detail").value(containsString("at most 8")));
    }

    @Test
    void everyInvalidInstanceIsNamed() throws Exception {
        float[] outOfRange = new float[784];
        outOfRange[5] = 2f;
        String body = "{\"instances\": [" + flat(new float[783]) + ","
                + flat(new float[784]) + ","
                + flat(outOfRange) + ","
                + "[\"a\"" + ",0".repeat(783) + "],"
                + "[[0,0],[0]],"
                + "{\"x\": 1},"
                + "[1e999" + ",0".repeat(783) + "]"
                + "]}";

        expectProblem(postJson("/api/v1/models/rows/predict", body), 400, "invalid-request")
                .andExpect(jsonPath("$.errors", hasSize(6)))
                .andExpect(jsonPath("$.errors[0].pointer").value("/instances/0"))
                .andExpect(jsonPath("$.errors[0].detail").value(containsString("got 783 numbers")))
                .andExpect(jsonPath("$.errors[1].pointer").value("/instances/2"))
                .andExpect(jsonPath("$.errors[1].detail").value(containsString("outside [0, 1]")))
                .andExpect(jsonPath("$.errors[2].pointer").value("/instances/3"))
                .andExpect(jsonPath("$.errors[2].detail").value(containsString("not a number")))
                .andExpect(jsonPath("$.errors[3].pointer").value("/instances/4"))
                .andExpect(jsonPath("$.errors[4].pointer").value("/instances/5"))
                .andExpect(jsonPath("$.errors[5].pointer").value("/instances/6"))
                .andExpect(jsonPath("$.errors[5].detail").value(containsString("Infinity")));
    }

    @Test
    void nanLiteralsAreMalformedJson() throws Exception {
        expectProblem(postJson("/api/v1/models/rows/predict", "{\"instances\": [[NaN]]}"), 400, "invalid-request");
    }

    @Test
    void unknownModelOrVersionIs404() throws Exception {
        String body = "{\"instances\": [" + flat(new float[784]) + "]}";
        expectProblem(postJson("/api/v1/models/nope/predict", body), 404, "model-not-found");
        expectProblem(postJson("/api/v1/models/rows/versions/9/predict", body), 404, "model-not-found");
        expectProblem(postJson("/api/v1/models/rows/versions/3/predict", body), 404, "model-not-found")
                .andExpect(jsonPath("$.detail").value(containsString("failed to load")));
        expectProblem(mvc.perform(get("/api/v1/models/nope")), 404, "model-not-found");
    }

    @Test
    void invalidModelNamesAndVersionsAre400() throws Exception {
        String body = "{\"instances\": [" + flat(new float[784]) + "]}";
        expectProblem(postJson("/api/v1/models/Bad.Name/predict", body), 400, "invalid-request")
                .andExpect(jsonPath("$.errors[0].pointer").value("name"));
        expectProblem(postJson("/api/v1/models/rows/versions/abc/predict", body), 400, "invalid-request");
        expectProblem(postJson("/api/v1/models/rows/versions/0/predict", body), 400, "invalid-request");
    }

    @Test
    void invalidTimeoutHeaderIs400() throws Exception {
        expectProblem(mvc.perform(post("/api/v1/models/rows/predict").contentType(MediaType.APPLICATION_JSON)
                .header("X-Request-Timeout-Ms", "soon").content("{\"instances\": [" + flat(new float[784]) + "]}")),
                400, "invalid-request");
    }

    @Test
    void unsupportedContentTypeIs415() throws Exception {
        expectProblem(mvc.perform(post("/api/v1/models/rows/predict").contentType(MediaType.TEXT_PLAIN).content("7")),
                415, "unsupported-media-type");
    }

    @Test
    void unknownPathsAre404ProblemsWithoutInternals() throws Exception {
        expectProblem(mvc.perform(get("/api/v1/nothing-here")), 404, "not-found");
    }

    static ResultActions expectProblem(ResultActions actions, int status, String type) throws Exception {
        return actions.andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:" + type))
                .andExpect(jsonPath("$.title").exists())
                .andExpect(jsonPath("$.status").value(status))
                .andExpect(content().string(not(containsString("Exception"))))
                .andExpect(content().string(not(containsString("dev.digitserve"))));
    }
}
