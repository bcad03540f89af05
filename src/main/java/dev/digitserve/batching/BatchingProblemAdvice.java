package dev.digitserve.batching;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.digitserve.web.ProblemDetailsAdvice;
import dev.digitserve.web.ProblemType;

/**
 * The batcher's refusals as problem details on the v1 API: a full queue is 429 and an expired or
 * shut-down request 503, both with {@code Retry-After}; an engine failure is 500.
 */
@RestControllerAdvice(basePackages = "dev.digitserve.prediction")
@Order(Ordered.HIGHEST_PRECEDENCE)
class BatchingProblemAdvice {
    private static final Logger log = LoggerFactory.getLogger(BatchingProblemAdvice.class);

    @ExceptionHandler(QueueFullException.class)
    ResponseEntity<ProblemDetail> queueFull(QueueFullException e) {
        return ProblemDetailsAdvice.problem(ProblemType.OVERLOADED, e.getMessage(), ProblemDetailsAdvice.retryAfter(e.retryAfterSeconds()));
    }

    @ExceptionHandler(DeadlineExceededException.class)
    ResponseEntity<ProblemDetail> deadline(DeadlineExceededException e) {
        return ProblemDetailsAdvice.problem(ProblemType.DEADLINE_EXCEEDED, e.getMessage(), ProblemDetailsAdvice.retryAfter(1));
    }

    @ExceptionHandler(BatcherClosedException.class)
    ResponseEntity<ProblemDetail> closed(BatcherClosedException e) {
        return ProblemDetailsAdvice.problem(ProblemType.UNAVAILABLE, e.getMessage(), ProblemDetailsAdvice.retryAfter(1));
    }

    @ExceptionHandler(InferenceFailedException.class)
    ResponseEntity<ProblemDetail> failed(InferenceFailedException e) {
        return ProblemDetailsAdvice.problem(ProblemType.INFERENCE_FAILED,
                "the model failed on this batch; the request can be retried");
    }

}
