package dev.digitserve.request;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.prediction.*}: how much input one prediction request may carry, on every API.
 *
 * @param maxInstances   images per request (v1 instances or parts, V2 batch dimension N)
 * @param maxImagePixels width x height of an uploaded image, checked from its header before decoding
 */
@ConfigurationProperties("digitserve.prediction")
public record InputLimits(
        @DefaultValue("1024") int maxInstances,
        @DefaultValue("16000000") long maxImagePixels) {
}
