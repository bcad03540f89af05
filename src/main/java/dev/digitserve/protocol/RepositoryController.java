package dev.digitserve.protocol;

import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.model.VersionState;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/**
 * Triton's model repository extension under {@code /v2/repository}: the index of every model version with its
 * state, and explicit load and unload. Like every write, these require an API key when keys are configured (the
 * API key filter guards the whole prefix). Loads run on the request's thread and answer once the version is
 * loaded and warmed; unloads answer at once and drain in the background. Errors are {@code {"error": "..."}}.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = ProtocolDocs.TAG, description = ProtocolDocs.TAG_DESCRIPTION)
class RepositoryController {
    static final String EXTENSION = "model_repository";

    private final ModelRegistry registry;

    RepositoryController(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Triton's index request: {@code ready: true} keeps only the versions that are loaded. */
    record IndexRequest(@Schema(description = "Only versions that are READY", example = "false") Boolean ready) {
    }

    /**
     * One row of the index in Triton's shape: {@code state} READY (loaded) or UNAVAILABLE, and {@code reason}
     * saying why not, prefixed with digitserve's own state (AVAILABLE, UNLOADED or FAILED).
     */
    @Schema(name = "RepositoryIndexEntry")
    record IndexEntry(@Schema(example = "cnn") String name, @Schema(example = "1") String version,
                      @Schema(example = "READY", allowableValues = {"READY", "UNAVAILABLE"}) String state,
                      @Schema(example = "AVAILABLE: loads on its first request") String reason) {
    }

    @PostMapping(path = "/v2/repository/index", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Repository index",
            description = "Every version of every model in the repository with its state: READY when loaded, else"
                    + " UNAVAILABLE with the reason (AVAILABLE: loads on its first request; UNLOADED: superseded,"
                    + " evicted or unloaded; FAILED: why it cannot load). The body is optional. Requires an API key"
                    + " when keys are configured.")
    @ApiResponse(responseCode = "200", description = "The index")
    List<IndexEntry> index(@RequestBody(required = false) IndexRequest request) {
        boolean readyOnly = request != null && Boolean.TRUE.equals(request.ready());
        return registry.index().stream()
                .filter(row -> !readyOnly || row.state() == VersionState.LOADED)
                .map(RepositoryController::entry)
                .toList();
    }

    private static IndexEntry entry(ModelRegistry.IndexEntry row) {
        if (row.state() == VersionState.LOADED) {
            return new IndexEntry(row.name(), Integer.toString(row.version()), "READY", "");
        }
        String reason = row.state() == VersionState.AVAILABLE ? "loads on its first request" : row.reason();
        return new IndexEntry(row.name(), Integer.toString(row.version()), "UNAVAILABLE",
                row.state() + (reason == null ? "" : ": " + reason));
    }

    @PostMapping(path = "/v2/repository/models/{name}/load")
    @Operation(summary = "Load a model",
            description = "Loads the model's served version now and answers once it can serve (a failed version is"
                    + " tried again; a model new on disk is found by rescanning the repository), evicting idle"
                    + " versions if the memory budget needs it. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "200", description = "Loaded")
    @ApiResponse(responseCode = "404", description = "No such model, or it cannot be loaded (the error says why)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "507", description = "The version can never fit the memory budget",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    ResponseEntity<Void> load(@PathVariable @Parameter(example = "cnn") String name) {
        ModelResolver.requireValidName(name);
        registry.load(name, null);
        return ResponseEntity.ok().build();
    }

    @PostMapping(path = "/v2/repository/models/{name}/unload")
    @Operation(summary = "Unload a model",
            description = "Unloads every loaded version of the model once it has answered the requests queued on it."
                    + " With lazy loading the next request loads it again; with eager loading it stays unloaded until"
                    + " loaded. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "200", description = "Unloaded (draining)")
    @ApiResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "409", description = "The model is configured as always loaded",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    ResponseEntity<Void> unload(@PathVariable @Parameter(example = "cnn") String name) {
        ModelResolver.requireValidName(name);
        registry.unload(name, null);
        return ResponseEntity.ok().build();
    }
}
