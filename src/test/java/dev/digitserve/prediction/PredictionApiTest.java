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

import dev.digitserve.support.TestImages;
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

    private static byte[] sevenPng() {
        return TestImages.png(TestImages.blackSevenOnWhite(200));
    }

    /** A PNG header (with valid CRC) claiming 50,000 x 50,000 pixels, and nothing behind it. */
    private static byte[] hugePngHeader() {
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(50_000).putInt(50_000)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        crc.update(ihdr.array());
        return java.nio.ByteBuffer.allocate(8 + 25)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13).put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(ihdr.array())
                .putInt((int) crc.getValue()).array();
    }

    private ResultActions postBytes(String path, MediaType type, byte[] body) throws Exception {
        var result = mvc.perform(post(path).contentType(type).content(body)).andReturn();
        return result.getRequest().isAsyncStarted() ? mvc.perform(asyncDispatch(result))
                : mvc.perform(post(path).contentType(type).content(body));
    }

    @Test
    void aPngOrJpegBodyIsOnePrediction() throws Exception {
        postBytes("/api/v1/models/rows/predict", MediaType.IMAGE_PNG, sevenPng())
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.predictions", hasSize(1)))
                .andExpect(jsonPath("$.predictions[0].scores", hasSize(10)));
        postBytes("/api/v1/models/rows/versions/1/predict", MediaType.IMAGE_JPEG,
                TestImages.jpeg(TestImages.blackSevenOnWhite(120), 0.9f))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.version").value(1));
    }

    @Test
    void multipartUploadsArePredictedInOrder() throws Exception {
        var first = new org.springframework.mock.web.MockMultipartFile("image", "a.png", "image/png", sevenPng());
        var second = new org.springframework.mock.web.MockMultipartFile("image", "b.png", "image/png", sevenPng());
        var result = mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders
                .multipart("/api/v1/models/rows/predict").file(first).file(second)).andReturn();
        mvc.perform(asyncDispatch(result))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.predictions", hasSize(2)));
    }

    @Test
    void badImagesAreNamedProblems() throws Exception {
        expectProblem(postBytes("/api/v1/models/rows/predict", MediaType.IMAGE_PNG, "not a png".getBytes()),
                400, "invalid-image");
        byte[] png = sevenPng();
        expectProblem(postBytes("/api/v1/models/rows/predict", MediaType.IMAGE_PNG,
                Arrays.copyOf(png, png.length / 2)), 400, "invalid-image");
        expectProblem(postBytes("/api/v1/models/rows/predict", MediaType.IMAGE_PNG,
                TestImages.png(TestImages.canvas(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB, java.awt.Color.WHITE))),
                400, "invalid-image")
                .andExpect(jsonPath("$.detail").value(containsString("no digit")));
        expectProblem(postBytes("/api/v1/models/rows/predict", MediaType.IMAGE_PNG, hugePngHeader()),
                413, "image-too-large");
        expectProblem(mvc.perform(post("/api/v1/models/rows/predict").contentType(MediaType.IMAGE_PNG)), 400,
                "invalid-request");

        var good = new org.springframework.mock.web.MockMultipartFile("image", "a.png", "image/png", png);
        var bad = new org.springframework.mock.web.MockMultipartFile("image", "b.png", "image/png", new byte[] {1, 2, 3});
        expectProblem(mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders
                .multipart("/api/v1/models/rows/predict").file(good).file(bad)), 400, "invalid-image")
                .andExpect(jsonPath("$.errors[0].pointer").value("image/1"));
    }

    @Test
    void oversizedBodiesAre413BeforeTheyAreRead() throws Exception {
        expectProblem(mvc.perform(post("/api/v1/models/rows/predict").contentType(MediaType.APPLICATION_JSON)
                .content(new byte[11 * 1024 * 1024])), 413, "payload-too-large");
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
