package dev.digitserve.protocol;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/** {@code $metadata_server_response}. No protocol extensions are supported, so {@code extensions} is empty. */
@Schema(name = "ServerMetadataResponse")
record ServerMetadata(@Schema(example = "digitserve") String name,
                      @Schema(example = "0.1.0") String version,
                      List<String> extensions) {
}
