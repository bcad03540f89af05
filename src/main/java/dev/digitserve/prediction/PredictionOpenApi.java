package dev.digitserve.prediction;

import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;

import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.request.ExampleRequests;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.BinarySchema;
import tools.jackson.databind.json.JsonMapper;

/**
 * springdoc merges the JSON, image and multipart handlers of one path into one operation and describes a
 * {@code byte[]} body as base64 text; this says per path (predict and embeddings) which version answers, gives the image bodies a
 * binary schema (so Swagger UI offers a file picker), and adds a real MNIST test 7 as the JSON example.
 */
@Configuration(proxyBeanMethods = false)
class PredictionOpenApi {

    @Bean
    OpenApiCustomizer predictionOperations(JsonMapper json) {
        Map<String, Object> seven = Map.of("instances", ExampleRequests.mnistSevenInstances(json));
        return openApi -> openApi.getPaths().forEach((path, item) -> {
            boolean embeddings = path.endsWith("/embeddings");
            if (!path.startsWith("/api/v1/") || !(path.endsWith("/predict") || embeddings) || item.getPost() == null
                    || item.getPost().getRequestBody() == null) {
                return;
            }
            var operation = item.getPost();
            operation.setSummary((embeddings ? PredictionDocs.EMBEDDINGS_SUMMARY : PredictionDocs.SUMMARY)
                    + (path.contains("/versions/") ? " (given version)" : " (served version)"));
            var content = operation.getRequestBody().getContent();
            for (String image : new String[] {ImageMediaTypes.PNG, ImageMediaTypes.JPEG, ImageMediaTypes.WEBP,
                    ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF}) {
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
}
