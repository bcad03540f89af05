package dev.digitserve.protocol;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.model.ModelStatus;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.model.VersionState;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.RequestTimeout;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * The Open Inference Protocol (KServe V2) REST endpoints. Health and metadata answer from the registry's
 * snapshots without blocking; inference returns a future completed by the model version's batcher, so no
 * servlet thread waits while a request is queued. Every error is {@code {"error": "..."}}
 * ({@link ProtocolErrorAdvice}).
 *
 * <p>Readiness: a model is ready when it has a served version, a version when it is loaded; the server
 * when every model is ready. Not ready is 503 with {@code "ready": false}; an unknown model or version
 * is 404.
 */
@RestController
@Tag(name = ProtocolDocs.TAG, description = ProtocolDocs.TAG_DESCRIPTION)
class OpenInferenceController {
    static final String TIMEOUT_HEADER = RequestTimeout.HEADER;
    static final String SERVER_NAME = "digitserve";

    private final ModelRegistry registry;
    private final ModelResolver resolver;
    private final InferenceService inference;
    private final String serverVersion;

    OpenInferenceController(ModelRegistry registry, ModelResolver resolver, InferenceService inference,
                            ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.resolver = resolver;
        this.inference = inference;
        BuildProperties properties = build.getIfAvailable();
        this.serverVersion = properties != null && properties.getVersion() != null ? properties.getVersion() : "unknown";
    }

    // ---- health ---------------------------------------------------------------------------------------

    @GetMapping(path = "/v2/health/live", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Server live", description = "200 while the server can answer metadata and inference requests.")
    @ApiResponse(responseCode = "200", description = "Live")
    Health.Live live() {
        return new Health.Live(true);
    }

    @GetMapping(path = "/v2/health/ready", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Server ready",
            description = "200 when every model in the repository has a loaded version to serve, 503 otherwise.")
    @ApiResponse(responseCode = "200", description = "Every model is ready")
    @ApiResponse(responseCode = "503", description = "Some model has no version to serve",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Health.Ready.class)))
    ResponseEntity<Health.Ready> ready() {
        boolean ready = registry.allReady();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(new Health.Ready(ready));
    }

    @GetMapping(path = "/v2/models/{name}/ready", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model ready", description = "200 when the model has a loaded version to serve, 503 when it has none.")
    @ApiResponse(responseCode = "200", description = "Ready")
    @ApiResponse(responseCode = "503", description = "The model has no loaded version",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Health.ModelReady.class)))
    @ProtocolDocs.ModelErrors
    ResponseEntity<Health.ModelReady> modelReady(@PathVariable @Parameter(example = "cnn") String name) {
        return readiness(name, requireStatus(name).ready());
    }

    @GetMapping(path = "/v2/models/{name}/versions/{version}/ready", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model version ready",
            description = "200 when the version is loaded, 503 when it failed to load or was unloaded.")
    @ApiResponse(responseCode = "200", description = "Ready")
    @ApiResponse(responseCode = "503", description = "The version is known but not loaded",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Health.ModelReady.class)))
    @ProtocolDocs.ModelErrors
    ResponseEntity<Health.ModelReady> versionReady(@PathVariable @Parameter(example = "cnn") String name,
                                                   @PathVariable @Parameter(example = "1") int version) {
        ModelStatus status = requireStatus(name);
        requirePositive(version);
        ModelStatus.Version known = status.versions().stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new UnknownModelException("model '" + name + "' has no version " + version));
        return readiness(name, known.state() == VersionState.LOADED);
    }

    private static ResponseEntity<Health.ModelReady> readiness(String name, boolean ready) {
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(new Health.ModelReady(name, ready));
    }

    // ---- metadata -------------------------------------------------------------------------------------

    @GetMapping(path = "/v2", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Server metadata", description = "Name, version and supported protocol extensions (none).")
    @ApiResponse(responseCode = "200", description = "Server metadata")
    ServerMetadata serverMetadata() {
        return new ServerMetadata(SERVER_NAME, serverVersion, List.of());
    }

    @GetMapping(path = "/v2/models/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model metadata (served version)",
            description = "Name, loaded versions, platform (`deeplearning4j_zip` or `digitserve_linear`), "
                    + "input and output tensors of the served version.")
    @ApiResponse(responseCode = "200", description = "Model metadata")
    @ProtocolDocs.ModelErrors
    ModelMetadata modelMetadata(@PathVariable @Parameter(example = "cnn") String name) {
        return metadata(resolver.resolve(name, null));
    }

    @GetMapping(path = "/v2/models/{name}/versions/{version}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model metadata (given version)",
            description = "As for the served version, but for a given loaded version.")
    @ApiResponse(responseCode = "200", description = "Model metadata")
    @ProtocolDocs.ModelErrors
    ModelMetadata versionMetadata(@PathVariable @Parameter(example = "cnn") String name,
                                  @PathVariable @Parameter(example = "1") int version) {
        return metadata(resolver.resolve(name, version));
    }

    private ModelMetadata metadata(LoadedVersion version) {
        List<String> versions = registry.status(version.name()).map(ModelStatus::versions).orElse(List.of()).stream()
                .filter(v -> v.state() == VersionState.LOADED)
                .map(v -> Integer.toString(v.version()))
                .toList();
        ModelSignature signature = ModelSignature.of(version);
        return new ModelMetadata(version.name(), versions, signature.platform(), signature.inputs(), signature.outputs(),
                signature.labels());
    }

    // ---- inference ------------------------------------------------------------------------------------

    @PostMapping(path = "/v2/models/{name}/infer", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Infer (served version)", description = ProtocolDocs.INFER)
    @ApiResponse(responseCode = "200", description = "The requested outputs")
    @ProtocolDocs.InferErrors
    CompletableFuture<InferenceResponse> infer(
            @PathVariable @Parameter(example = "cnn") String name,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = ProtocolDocs.TIMEOUT) String timeoutMs,
            @RequestBody InferenceRequest request) {
        return inference.infer(name, null, request, RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/v2/models/{name}/versions/{version}/infer", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Infer (given version)", description = ProtocolDocs.INFER)
    @ApiResponse(responseCode = "200", description = "The requested outputs")
    @ProtocolDocs.InferErrors
    CompletableFuture<InferenceResponse> inferVersion(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable @Parameter(example = "1") int version,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = ProtocolDocs.TIMEOUT) String timeoutMs,
            @RequestBody InferenceRequest request) {
        return inference.infer(name, version, request, RequestTimeout.parse(timeoutMs));
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private ModelStatus requireStatus(String name) {
        ModelResolver.requireValidName(name);
        return registry.status(name).orElseThrow(() -> new UnknownModelException("no model named '" + name + "'"));
    }

    private static void requirePositive(int version) {
        if (version < 1) {
            throw new InvalidRequestException("model versions are positive integers",
                    List.of(new FieldError("version", "must be >= 1")));
        }
    }
}
