package dev.digitserve.prediction;

import static dev.digitserve.prediction.PredictionApiTest.expectProblem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.RequestBuilder;

import dev.digitserve.support.TestImages;
import dev.digitserve.support.TestModels;

/** The read endpoint's shapes and refusals, and the content-type checks of every image path. */
@SpringBootTest
@AutoConfigureMockMvc
class ReadApiTest {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-read-test",
            root -> TestModels.writeRowLasso(root, "rows", 1));

    @Autowired
    MockMvc mvc;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    private ResultActions perform(RequestBuilder request) throws Exception {
        MvcResult result = mvc.perform(request).andReturn();
        return result.getRequest().isAsyncStarted() ? mvc.perform(asyncDispatch(result)) : mvc.perform(request);
    }

    /** Three sevens in a row, well apart, black on white. */
    private static byte[] threeSevens() {
        BufferedImage image = TestImages.canvas(420, 160, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        for (int i = 0; i < 3; i++) {
            TestImages.drawSeven(image, Color.BLACK, 20 + i * 130, 20, 120);
        }
        return TestImages.png(image);
    }

    @Test
    void aRowOfDigitsIsReadLeftToRightWithBoxes() throws Exception {
        perform(post("/api/v1/models/rows/read").contentType("image/png").content(threeSevens()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.model").value("rows"))
                .andExpect(jsonPath("$.version").value(1))
                .andExpect(jsonPath("$.digits", hasSize(3)))
                .andExpect(jsonPath("$.text").value(org.hamcrest.Matchers.matchesPattern("[0-9]{3}")))
                .andExpect(jsonPath("$.digits[0].score").isNumber())
                .andExpect(jsonPath("$.digits[0].probability").doesNotExist())
                .andExpect(jsonPath("$.digits[0].box", hasSize(4)))
                .andExpect(jsonPath("$.digits[0].box[0]").value(org.hamcrest.Matchers.lessThan(130)))
                .andExpect(jsonPath("$.digits[1].box[0]").value(org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.greaterThan(130), org.hamcrest.Matchers.lessThan(260))))
                .andExpect(jsonPath("$.digits[2].box[0]").value(org.hamcrest.Matchers.greaterThan(260)));
        perform(multipart("/api/v1/models/rows/versions/1/read").file(
                new MockMultipartFile("image", "n.png", "application/octet-stream", threeSevens())))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.digits", hasSize(3)));
    }

    @Test
    void blankPicturesTooManyDigitsAndBadLimitsAreRefused() throws Exception {
        byte[] blank = TestImages.png(TestImages.canvas(200, 100, BufferedImage.TYPE_INT_RGB, Color.WHITE));
        expectProblem(perform(post("/api/v1/models/rows/read").contentType("image/png").content(blank)),
                400, "invalid-image");
        expectProblem(perform(post("/api/v1/models/rows/read").param("max-digits", "2").contentType("image/png")
                .content(threeSevens())), 400, "invalid-image")
                .andExpect(jsonPath("$.detail").value(containsString("max-digits")));
        expectProblem(perform(post("/api/v1/models/rows/read").param("max-digits", "0").contentType("image/png")
                .content(threeSevens())), 400, "invalid-request")
                .andExpect(jsonPath("$.errors[0].pointer").value("max-digits"));
    }

    @Test
    void heicAndUnknownTypesAre415NamingTheTypeAndTheAcceptedOnes() throws Exception {
        for (String path : new String[] {"/api/v1/models/rows/predict", "/api/v1/models/rows/read"}) {
            expectProblem(perform(post(path).contentType("image/heic").content(new byte[] {1, 2, 3})),
                    415, "unsupported-media-type")
                    .andExpect(jsonPath("$.detail").value(containsString("image/heic")))
                    .andExpect(jsonPath("$.detail").value(containsString("image/webp")));
        }
        expectProblem(perform(multipart("/api/v1/models/rows/predict")
                .file(new MockMultipartFile("image", "a.png", "image/png", threeSevens()))
                .file(new MockMultipartFile("image", "b.heic", "image/heic", new byte[] {1, 2, 3}))),
                415, "unsupported-media-type")
                .andExpect(jsonPath("$.errors[0].pointer").value("image/1"))
                .andExpect(jsonPath("$.detail").value(containsString("image/tiff")));
    }

    @Test
    void aBodyWhoseBytesAreAnotherFormatIs400NamingBoth() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.blackSevenOnWhite(80), 0.9f);
        for (String path : new String[] {"/api/v1/models/rows/predict", "/api/v1/models/rows/read"}) {
            expectProblem(perform(post(path).contentType("image/png").content(jpeg)), 400, "invalid-image")
                    .andExpect(jsonPath("$.detail").value(containsString("image/png")))
                    .andExpect(jsonPath("$.detail").value(containsString("JPEG")));
        }
        perform(post("/api/v1/models/rows/predict").contentType("image/webp")
                .content(TestImages.resource("seven-lossy.webp")))
                .andExpect(status().isOk());
    }

    @Test
    void openApiListsEveryImageTypeForPredictAndRead() throws Exception {
        for (String path : new String[] {"/api/v1/models/{name}/predict", "/api/v1/models/{name}/read",
                "/api/v1/models/{name}/versions/{version}/read"}) {
            String content = "$.paths['" + path + "'].post.requestBody.content";
            ResultActions docs = mvc.perform(get("/v3/api-docs")).andExpect(status().isOk());
            for (String type : new String[] {"image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp",
                    "image/tiff"}) {
                docs.andExpect(jsonPath(content + "['" + type + "']").exists());
            }
        }
    }
}
