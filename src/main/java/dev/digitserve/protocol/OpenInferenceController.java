package dev.digitserve.protocol;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.request.RequestTimeout;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol (KServe V2) REST endpoints. Health and metadata answer from the registry's
 * snapshots without blocking; inference returns a future completed by the model version's batcher, so no
 * servlet thread waits while a request is queued. Inference bodies are JSON or the binary tensor data extension
 * ({@link BinaryTensorData}); configuration answers in Triton's shape ({@link ModelConfig}). Every error is
 * {@code {"error": "..."}}, rendered by the service's error table.
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
    /** The protocol extensions served, as the REST and gRPC server metadata name them. */
    static final List<String> EXTENSIONS = List.of(BinaryTensorData.EXTENSION, "model_configuration");

    private final ModelRegistry registry;
    private final ModelResolver resolver;
    private final InferenceService inference;
    private final JsonMapper json;
    private final String serverVersion;

    OpenInferenceController(ModelRegistry registry, ModelResolver resolver, InferenceService inference,
                            JsonMapper json, ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.resolver = resolver;
        this.inference = inference;
        this.json = json;
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
        return readiness(name, resolver.isReady(name, null));
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
        return readiness(name, resolver.isReady(name, version));
    }

    private static ResponseEntity<Health.ModelReady> readiness(String name, boolean ready) {
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(new Health.ModelReady(name, ready));
    }

    // ---- metadata -------------------------------------------------------------------------------------

    @GetMapping(path = "/v2", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Server metadata",
            description = "Name, version and supported protocol extensions (binary_tensor_data, model_configuration).")
    @ApiResponse(responseCode = "200", description = "Server metadata")
    ServerMetadata serverMetadata() {
        return new ServerMetadata(SERVER_NAME, serverVersion, EXTENSIONS);
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
        return ModelMetadata.of(version, registry);
    }

    // ---- model configuration extension ---------------------------------------------------------------

    @GetMapping(path = "/v2/models/{name}/config", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model configuration (served version)",
            description = "Triton's model configuration shape: max_batch_size, input and output with dims and "
                    + "data_type, dynamic_batching from the version's batcher settings.")
    @ApiResponse(responseCode = "200", description = "Model configuration")
    @ProtocolDocs.ModelErrors
    ModelConfig modelConfig(@PathVariable @Parameter(example = "cnn") String name) {
        return ModelConfig.of(resolver.resolve(name, null), inference.maxImages());
    }

    @GetMapping(path = "/v2/models/{name}/versions/{version}/config", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Model configuration (given version)", description = "As for the served version.")
    @ApiResponse(responseCode = "200", description = "Model configuration")
    @ProtocolDocs.ModelErrors
    ModelConfig versionConfig(@PathVariable @Parameter(example = "cnn") String name,
                              @PathVariable @Parameter(example = "1") int version) {
        return ModelConfig.of(resolver.resolve(name, version), inference.maxImages());
    }

    // ---- inference ------------------------------------------------------------------------------------

    @PostMapping(path = "/v2/models/{name}/infer",
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE})
    @Operation(summary = "Infer (served version)", description = ProtocolDocs.INFER)
    @InferBody
    @ApiResponse(responseCode = "200", description = "The requested outputs", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = InferenceResponse.class)),
            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE, schema = @Schema(type = "string", format = "binary",
                    description = "Outputs requested as binary data: the JSON answer "
                            + "(Inference-Header-Content-Length bytes), then each such output's little-endian bytes"))})
    @ProtocolDocs.InferErrors
    CompletableFuture<ResponseEntity<?>> infer(
            @PathVariable @Parameter(example = "cnn") String name,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = ProtocolDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest http) throws IOException, HttpMediaTypeNotSupportedException {
        return infer(name, null, timeoutMs, http);
    }

    @PostMapping(path = "/v2/models/{name}/versions/{version}/infer",
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE})
    @Operation(summary = "Infer (given version)", description = ProtocolDocs.INFER)
    @InferBody
    @ApiResponse(responseCode = "200", description = "The requested outputs", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = InferenceResponse.class)),
            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE, schema = @Schema(type = "string", format = "binary",
                    description = "Outputs requested as binary data: the JSON answer "
                            + "(Inference-Header-Content-Length bytes), then each such output's little-endian bytes"))})
    @ProtocolDocs.InferErrors
    CompletableFuture<ResponseEntity<?>> inferVersion(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable @Parameter(example = "1") int version,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = ProtocolDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest http) throws IOException, HttpMediaTypeNotSupportedException {
        return infer(name, version, timeoutMs, http);
    }

    /** The body as documented: the JSON request (the binary extension's header has the same schema). */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = InferenceRequest.class)),
            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE, schema = @Schema(type = "string", format = "binary",
                    description = "Binary tensor data extension: the JSON request (Inference-Header-Content-Length bytes), "
                            + "then the raw little-endian bytes of each input with parameters.binary_data_size"))})
    @interface InferBody {
    }

    /**
     * Reads the body itself rather than through a message converter, because what it is depends on two headers:
     * with {@value BinaryTensorData#HEADER_LENGTH} it is the binary extension, whatever the Content-Type;
     * otherwise JSON, also when no Content-Type is sent (Triton's and KServe's clients send none, and KServe's
     * own server reads such a body as JSON). A declared type that is neither JSON nor octet-stream is refused
     * with 415.
     */
    private CompletableFuture<ResponseEntity<?>> infer(String name, Integer version, String timeoutMs,
                                                       HttpServletRequest http) throws IOException, HttpMediaTypeNotSupportedException {
        Duration timeout = RequestTimeout.parse(timeoutMs);
        InferenceBody body = InferenceBody.read(http, json);
        CompletableFuture<InferenceResponse> answer = inference.infer(name, version, body.request(), body.binary(), timeout);
        // checked before the batcher answers too, so that a bad binary_data flag is a 400 like any other
        BinaryTensorData.binaryOutputs(body.request(), 0);
        return answer.thenApply(response -> {
            boolean[] binary = BinaryTensorData.binaryOutputs(body.request(), response.outputs().size());
            BinaryTensorData.Body encoded = BinaryTensorData.encode(response, binary, json);
            if (encoded == null) {
                return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(response);
            }
            // Triton answers binary outputs as application/octet-stream, the JSON length in the header
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                    .header(BinaryTensorData.HEADER_LENGTH, Integer.toString(encoded.headerLength()))
                    .body(encoded.bytes());
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------


}
