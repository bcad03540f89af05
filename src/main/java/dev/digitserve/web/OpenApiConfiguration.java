package dev.digitserve.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.BinarySchema;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document's header, and a real MNIST test digit (a 7) as the JSON request example of every
 * prediction operation, so that Swagger UI's "Try it out" sends something meaningful.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

    @Bean
    OpenAPI digitserveOpenApi() {
        return new OpenAPI().info(new Info()
                .title("digitserve")
                .version("v1")
                .license(new License().name("Apache-2.0"))
                .description("""
                        Handwritten-digit recognition as a service: a DL4J convolutional network and a Lasso \
                        pipeline, both trained on MNIST, behind a dynamic batching queue. \
                        Send pixel arrays as JSON or upload a PNG/JPEG photo of a digit. \
                        Errors are RFC 9457 problem details (`application/problem+json`) with a stable `type` \
                        URI (`urn:digitserve:problem:*`). The Open Inference Protocol (KServe V2) endpoints \
                        live under `/v2`."""));
    }

    /**
     * springdoc merges the JSON, image and multipart handlers of one path into one operation, keeping the
     * first handler's summary and describing a {@code byte[]} body as base64 text; this puts back one
     * summary for all three, binary image bodies (so Swagger UI offers a file picker) and the example.
     */
    @Bean
    OpenApiCustomizer predictionOperations(JsonMapper json) {
        Object seven = mnistSevenExample(json);
        return openApi -> openApi.getPaths().forEach((path, item) -> {
            if (!path.startsWith("/api/v1/") || !path.endsWith("/predict") || item.getPost() == null
                    || item.getPost().getRequestBody() == null) {
                return;
            }
            var operation = item.getPost();
            operation.setSummary("Predict digits: JSON pixel arrays, a PNG/JPEG body, or multipart image uploads ("
                    + (path.contains("/versions/") ? "given version" : "served version") + ")");
            var content = operation.getRequestBody().getContent();
            for (String image : new String[] {MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE}) {
                if (content.get(image) != null) {
                    content.get(image).setSchema(new BinarySchema());
                }
            }
            if (content.get(MediaType.APPLICATION_JSON_VALUE) != null) {
                content.get(MediaType.APPLICATION_JSON_VALUE).addExamples("mnist-seven",
                        new Example().summary("A real MNIST test digit (a 7) as 28 rows of 28 values").value(seven));
            }
        });
    }

    /**
     * The example request {@code {"instances": [28 rows of 28]}} holding a real MNIST test 7, as plain maps
     * and lists (springdoc writes the document with its own mapper). Also the source of the V2 example.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> mnistSevenExample(JsonMapper json) {
        try (InputStream in = OpenApiConfiguration.class.getResourceAsStream("/openapi/example-seven.json")) {
            return json.readValue(in, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
