package dev.digitserve.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import dev.digitserve.batching.BatchingException;
import dev.digitserve.batching.BatchingException.Reason;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.request.InvalidRequestException;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** The gRPC error table row by row, and how a client's deadline becomes the batcher's timeout. */
class GrpcStatusesTest {

    @Test
    void clientMistakesAndUnknownModels() {
        StatusRuntimeException invalid = GrpcStatuses.of(new InvalidRequestException("inputs[0].shape: no"));
        assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(invalid.getStatus().getDescription()).isEqualTo("inputs[0].shape: no");
        assertThat(GrpcStatuses.of(new UnknownModelException("no model named 'x'")).getStatus().getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void batcherRefusalsCarryTheirRetryAdviceAndCompletionWrappersAreSeenThrough() throws Exception {
        StatusRuntimeException full = GrpcStatuses.of(new CompletionException(
                new BatchingException(Reason.QUEUE_FULL, "cnn v1 has 4096 of 4096 images queued", 3)));
        assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(StatusProto.fromThrowable(full).getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds())
                .isEqualTo(3);
        StatusRuntimeException closing = GrpcStatuses.of(new BatchingException(Reason.SHUTDOWN, "closing", 0));
        assertThat(closing.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(StatusProto.fromThrowable(closing).getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds())
                .as("at least one second, as Retry-After").isEqualTo(1);
        assertThat(GrpcStatuses.of(new BatchingException(Reason.DEADLINE, "late", 1)).getStatus().getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        StatusRuntimeException failed = GrpcStatuses.of(BatchingException.engineFailed("boom", new IllegalStateException()));
        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failed.getStatus().getDescription()).doesNotContain("boom", "IllegalState");
    }

    @Test
    void unexpectedFailuresAreInternalWithoutDetail() {
        StatusRuntimeException e = GrpcStatuses.of(new NullPointerException("secret /path"));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(e.getStatus().getDescription()).doesNotContain("secret", "NullPointer");
    }

    @Test
    void theRemainingDeadlineIsTheTimeoutAndAPassedOneIsZero() {
        assertThat(GrpcInferenceService.remaining(null)).isNull();
        Duration left = GrpcInferenceService.remaining(Deadline.after(2, TimeUnit.SECONDS));
        assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(GrpcInferenceService.remaining(Deadline.after(-5, TimeUnit.MILLISECONDS))).isZero();
    }
}
