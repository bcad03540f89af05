package dev.digitserve.protocol;

import io.swagger.v3.oas.annotations.media.Schema;

/** Bodies of the health endpoints; the status code (200, or 503 when not ready) carries the answer too. */
final class Health {
    private Health() {
    }

    @Schema(name = "ServerLiveResponse")
    record Live(boolean live) {
    }

    @Schema(name = "ServerReadyResponse")
    record Ready(boolean ready) {
    }

    @Schema(name = "ModelReadyResponse")
    record ModelReady(@Schema(example = "cnn") String name, boolean ready) {
    }
}
