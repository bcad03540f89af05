package dev.digitserve.protocol;

import io.swagger.v3.oas.annotations.media.Schema;

/** The protocol's error object: {@code {"error": "<what went wrong and what to send instead>"}}. */
@Schema(name = "InferenceErrorResponse")
public record ProtocolError(@Schema(example = "inputs[0].shape: expected [N, 784], [N, 28, 28] or [N, 1, 28, 28]")
                     String error) {
}
