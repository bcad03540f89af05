package dev.digitserve.prediction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.support.TestImages;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/preprocess}: the JSON and PNG answers carry exactly what the image pipeline gives the
 * models, and bad input is a problem+json like predict's, whatever the client accepts. No model is needed,
 * so the repository is empty.
 */
@SpringBootTest
@AutoConfigureMockMvc
class PreprocessApiTest {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-preprocess-test", root -> {
    });
    private static final byte[] SEVEN = TestImages.png(TestImages.blackSevenOnWhite(200));
    private static final byte[] NOT_AN_IMAGE = "GIF89a, or rather not an image at all".getBytes(StandardCharsets.US_ASCII);

    @Autowired
    MockMvc mvc;

    @Autowired
    JsonMapper json;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @Test
    void answersTheModelInputAsJsonForAPngBody() throws Exception {
        float[] expected = new DigitImageReader().toMnistInput(SEVEN);

        var result = mvc.perform(post(PreprocessController.PATH).contentType(MediaType.IMAGE_PNG).content(SEVEN))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.width").value(28))
                .andExpect(jsonPath("$.height").value(28))
                .andReturn();

        JsonNode pixels = json.readTree(result.getResponse().getContentAsByteArray()).get("pixels");
        assertThat(pixels.size()).isEqualTo(784);
        float[] answered = new float[784];
        for (int i = 0; i < 784; i++) {
            answered[i] = pixels.get(i).floatValue();
        }
        assertThat(answered).containsExactly(expected);
        assertThat(TestImages.ascii(answered)).contains("####");
    }

    @Test
    void answersA28By28GreyPngForMultipartWhenAcceptAsksForIt() throws Exception {
        float[] expected = new DigitImageReader().toMnistInput(SEVEN);

        var result = mvc.perform(multipart(PreprocessController.PATH)
                        .file(new MockMultipartFile("image", "seven.png", MediaType.IMAGE_PNG_VALUE, SEVEN))
                        .accept(MediaType.IMAGE_PNG))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.IMAGE_PNG))
                .andReturn();

        BufferedImage png = ImageIO.read(new ByteArrayInputStream(result.getResponse().getContentAsByteArray()));
        assertThat(png.getWidth()).isEqualTo(28);
        assertThat(png.getHeight()).isEqualTo(28);
        assertThat(png.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        int[] levels = png.getRaster().getSamples(0, 0, 28, 28, 0, (int[]) null);
        for (int i = 0; i < 784; i++) {
            assertThat(levels[i]).as("pixel %d", i).isEqualTo(Math.round(expected[i] * 255));
        }
    }

    @Test
    void aBadImageBodyIsAnInvalidImageProblemEvenWhenPngWasAccepted() throws Exception {
        for (MediaType accept : new MediaType[] {MediaType.APPLICATION_JSON, MediaType.IMAGE_PNG}) {
            mvc.perform(post(PreprocessController.PATH).contentType(MediaType.IMAGE_PNG).content(NOT_AN_IMAGE).accept(accept))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.type").value("urn:digitserve:problem:invalid-image"))
                    .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("image/png")));
        }
    }

    @Test
    void aBadMultipartImageNamesThePartLikePredict() throws Exception {
        mvc.perform(multipart(PreprocessController.PATH)
                        .file(new MockMultipartFile("image", "x.png", MediaType.IMAGE_PNG_VALUE, NOT_AN_IMAGE)))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:invalid-image"))
                .andExpect(jsonPath("$.errors[0].pointer").value("image/0"));
    }

    @Test
    void aBlankPictureHasNoDigit() throws Exception {
        byte[] blank = TestImages.png(TestImages.canvas(64, 64, BufferedImage.TYPE_INT_RGB, java.awt.Color.WHITE));
        mvc.perform(post(PreprocessController.PATH).contentType(MediaType.IMAGE_PNG).content(blank))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:invalid-image"));
    }

    @Test
    void moreThanOneMultipartImageIsRefused() throws Exception {
        mvc.perform(multipart(PreprocessController.PATH)
                        .file(new MockMultipartFile("image", "a.png", MediaType.IMAGE_PNG_VALUE, SEVEN))
                        .file(new MockMultipartFile("image", "b.png", MediaType.IMAGE_PNG_VALUE, SEVEN)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:invalid-request"))
                .andExpect(jsonPath("$.errors[0].pointer").value("image"));
    }

    @Test
    void aJsonBodyIsAnUnsupportedMediaType() throws Exception {
        mvc.perform(post(PreprocessController.PATH).contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void pngIsChosenOnlyWhenTheClientPrefersIt() {
        assertThat(PreprocessController.wantsPng(null)).isFalse();
        assertThat(PreprocessController.wantsPng("*/*")).isFalse();
        assertThat(PreprocessController.wantsPng("application/json")).isFalse();
        assertThat(PreprocessController.wantsPng("image/png")).isTrue();
        assertThat(PreprocessController.wantsPng("image/*, */*;q=0.1")).isTrue();
        assertThat(PreprocessController.wantsPng("application/json, image/png")).isFalse();
        assertThat(PreprocessController.wantsPng("application/json;q=0.5, image/png")).isTrue();
        assertThat(PreprocessController.wantsPng("image/png;q=0")).isFalse();
        assertThat(PreprocessController.wantsPng("not a media type")).isFalse();
    }

    @Test
    void theOpenApiDocumentDescribesBothAnswersAndBinaryBodies() throws Exception {
        var result = mvc.perform(get("/v3/api-docs")).andExpect(status().isOk()).andReturn();
        JsonNode post = json.readTree(result.getResponse().getContentAsByteArray())
                .get("paths").get(PreprocessController.PATH).get("post");
        assertThat(post).as("POST %s in the OpenAPI document", PreprocessController.PATH).isNotNull();
        JsonNode ok = post.get("responses").get("200").get("content");
        assertThat(ok.has("application/json")).isTrue();
        assertThat(ok.has("image/png")).isTrue();
        JsonNode body = post.get("requestBody").get("content");
        assertThat(body.has("multipart/form-data")).isTrue();
        assertThat(body.get("image/png").get("schema").get("format").asString()).isEqualTo("binary");
        assertThat(post.get("responses").has("400")).isTrue();
    }
}
