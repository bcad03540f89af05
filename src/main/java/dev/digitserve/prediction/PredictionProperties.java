package dev.digitserve.prediction;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code digitserve.prediction.*}: limits that protect the service from oversized requests.
 *
 * @param maxInstances   images per JSON request
 * @param maxImagePixels width x height of an uploaded image, checked from its header before decoding
 * @param maxRequestSize request body size; larger bodies are refused with 413 before being read
 */
@ConfigurationProperties("digitserve.prediction")
public record PredictionProperties(
        @DefaultValue("1024") int maxInstances,
        @DefaultValue("16000000") long maxImagePixels,
        @DefaultValue("10MB") DataSize maxRequestSize) {
}
