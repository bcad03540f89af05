package dev.digitserve.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;

import dev.digitserve.inference.Images;
import dev.digitserve.request.ExampleRequests;
import io.swagger.v3.oas.models.examples.Example;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real MNIST test digit (a 7) as the request example of both inference operations, written as the
 * protocol's examples are: one FP32 tensor of shape [1, 28, 28], nested like the shape.
 */
@Configuration(proxyBeanMethods = false)
class ProtocolOpenApi {

    @Bean
    OpenApiCustomizer openInferenceExamples(JsonMapper json) {
        Map<String, Object> example = seven(json);
        return openApi -> openApi.getPaths().forEach((path, item) -> {
            if (!path.startsWith("/v2/") || !path.endsWith("/infer") || item.getPost() == null
                    || item.getPost().getRequestBody() == null || item.getPost().getRequestBody().getContent() == null) {
                return;
            }
            var content = item.getPost().getRequestBody().getContent().get(MediaType.APPLICATION_JSON_VALUE);
            if (content != null) {
                content.addExamples("mnist-seven", new Example()
                        .summary("A real MNIST test digit (a 7): FP32, shape [1, 28, 28], nested data").value(example));
            }
        });
    }

    private static Map<String, Object> seven(JsonMapper json) {
        Object instances = ExampleRequests.mnistSevenInstances(json);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", InputTensor.NAME);
        input.put("shape", List.of(1, Images.SIDE, Images.SIDE));
        input.put("datatype", "FP32");
        input.put("data", instances);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("id", "seven");
        request.put("inputs", List.of(input));
        return request;
    }
}
