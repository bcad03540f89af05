package dev.digitserve.web;


import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;

/**
 * The OpenAPI document's header. Each feature documents its own operations (e.g. {@code PredictionOpenApi},
 * {@code ProtocolOpenApi}).
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
}
