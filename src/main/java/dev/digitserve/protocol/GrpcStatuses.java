package dev.digitserve.protocol;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;

import dev.digitserve.batching.BatchingException;
import dev.digitserve.model.ModelTooLargeException;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.request.ConflictException;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.NotFoundException;
import dev.digitserve.request.RequestTooLargeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The gRPC binding's error table: every exception a call can end in becomes one gRPC status, with the same
 * client-safe message the REST binding sends. The categories mirror {@code web.ErrorTable} (which feature
 * packages may not import): client mistakes are INVALID_ARGUMENT, unknown models and versions NOT_FOUND, a full
 * queue RESOURCE_EXHAUSTED and a shutting-down version UNAVAILABLE, both with a {@code google.rpc.RetryInfo}
 * detail carrying the batcher's retry advice (what {@code Retry-After} says over REST), a deadline passed in the
 * queue DEADLINE_EXCEEDED. A new exception type needs a row here as well as there. Unexpected exceptions are
 * logged once and answered INTERNAL without detail.
 */
final class GrpcStatuses {
    private static final Logger log = LoggerFactory.getLogger(GrpcStatuses.class);

    private GrpcStatuses() {
    }

    static StatusRuntimeException of(Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof StatusRuntimeException status) {
            return status;
        }
        if (RequestTooLargeException.findIn(e) != null) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof InvalidRequestException invalid) {
            return Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()).asRuntimeException();
        }
        if (e instanceof UnknownModelException || e instanceof NotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof ModelTooLargeException) {
            return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof ConflictException) {
            return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof BatchingException batching) {
            return switch (batching.reason()) {
                case QUEUE_FULL -> retryable(Code.RESOURCE_EXHAUSTED, batching);
                case SHUTDOWN -> retryable(Code.UNAVAILABLE, batching);
                case DEADLINE -> Status.DEADLINE_EXCEEDED.withDescription(batching.getMessage()).asRuntimeException();
                // the batcher has logged the engine's exception once, for the whole batch
                case ENGINE_FAILED -> Status.INTERNAL
                        .withDescription("the model failed on this batch; the request can be retried").asRuntimeException();
            };
        }
        log.error("unexpected failure of a gRPC call", e);
        return Status.INTERNAL.withDescription("the server failed to handle the request; the failure has been logged")
                .asRuntimeException();
    }

    /** With the batcher's advice as {@code google.rpc.RetryInfo}, the gRPC form of {@code Retry-After}. */
    private static StatusRuntimeException retryable(Code code, BatchingException e) {
        RetryInfo retry = RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(Math.max(1, e.retryAfterSeconds())))
                .build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(e.getMessage())
                .addDetails(Any.pack(retry))
                .build());
    }

    private static Throwable unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
