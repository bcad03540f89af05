package dev.digitserve.protocol;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/** OpenAPI texts of the Open Inference Protocol endpoints, kept out of the controller's way. */
final class ProtocolDocs {
    private ProtocolDocs() {
    }

    static final String TAG = "Open Inference Protocol (V2)";

    static final String TAG_DESCRIPTION = """
            The KServe V2 / Open Inference Protocol REST API, as spoken by Triton, KServe, Seldon MLServer and \
            OpenVINO Model Server, so that their clients and gateways work unchanged. \
            Errors are `{"error": "..."}` with a 4xx/5xx status.""";

    static final String INFER = """
            Send one tensor named `input`: datatype `FP32` or `FP64` (pixel intensities in [0, 1], \
            0 = background, as in MNIST) or `UINT8` (integers 0..255, divided by 255); shape `[N, 784]`, \
            `[N, 28, 28]` or `[N, 1, 28, 28]` with 1 <= N <= `digitserve.prediction.max-instances` \
            (default 1,024); `data` in row-major order, flat or nested exactly like the shape. \
            The answer has `probabilities` (CNN) or raw `scores` (Lasso model), FP32 `[N, 10]`, and `digit`, \
            INT64 `[N]`, and `label`; CNN models also offer `embedding`, FP32 `[N, 128]` (the activations of \
            the dense layer before the output layer, from the same forward pass), returned only when named; the \
            Lasso model has none (400). The request's `outputs` list selects and orders them (absent = all but \
            `embedding`). `id` is echoed. \
            A body without Content-Type is read as JSON. Binary tensor data extension: with the header \
            `Inference-Header-Content-Length` the body is that many bytes of JSON request, then the raw \
            little-endian bytes of each input that has `"parameters": {"binary_data_size": n}`; outputs with \
            `"parameters": {"binary_data": true}` (or all, with the request parameter `binary_data_output`) follow \
            the JSON answer as bytes (`application/octet-stream`, `Inference-Header-Content-Length` set). \
            The request is queued on the model version's dynamic batcher, exactly like a v1 request.""";

    static final String TIMEOUT = "Optional deadline in milliseconds: a request still queued after it is answered 503 "
            + "instead of being computed. Defaults to digitserve.batching.request-timeout.";

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "400", description = "Malformed or invalid request; the message names the offending field",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "404", description = "Unknown model or version",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @interface ModelErrors {
    }

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "400", description = "Malformed or invalid request; the message names the offending field",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "404", description = "Unknown model or version",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "413", description = "Request body too large",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "415", description = "Neither application/json nor application/octet-stream (binary tensor data extension)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "429", description = "Queue full: retry after `Retry-After` seconds",
            headers = @Header(name = "Retry-After", schema = @Schema(type = "integer")),
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "500", description = "The model failed on this batch",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @ApiResponse(responseCode = "503", description = "Deadline passed while queued, or the version is shutting down",
            headers = @Header(name = "Retry-After", schema = @Schema(type = "integer")),
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ProtocolError.class)))
    @interface InferErrors {
    }
}
