package dev.digitserve.warmup;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.warmup.*}: how the request path is warmed before readiness turns UP.
 *
 * @param enabled    false reports the {@code warmup} health component UP at once (and warms nothing)
 * @param rounds     the fewest rounds of requests; each round sends, per served model, every batch size through
 *                   v1 JSON and V2 infer, one PNG body and one multipart upload, plus {@code concurrency} one-digit
 *                   v1 requests, all at once so that the batcher merges them
 * @param concurrency one-digit v1 requests in each round, spread over the models, in flight together: the shape of most
 *                   traffic (many clients, one image each), which warms the server's thread pool and the
 *                   batcher's merging of many small requests
 * @param untilJitQuiet after {@code rounds}, go on until the JIT has gone quiet (its compiler threads spent less
 *                   than a quarter of the last 2 s compiling, see {@link JitActivity}) or {@code max-time} passes
 * @param maxTime    the bound: when it passes the warm-up stops where it is and readiness turns UP anyway, so a
 *                   slow node is served cold rather than never
 * @param batchSizes images per request in each round
 */
@ConfigurationProperties("digitserve.warmup")
public record WarmupProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("40") int rounds,
        @DefaultValue("60s") Duration maxTime,
        @DefaultValue({"1", "8", "64"}) List<Integer> batchSizes,
        @DefaultValue("64") int concurrency,
        @DefaultValue("true") boolean untilJitQuiet) {

    public WarmupProperties {
        if (rounds < 0) {
            throw new IllegalArgumentException("digitserve.warmup.rounds must not be negative, was " + rounds);
        }
        if (maxTime == null || maxTime.isNegative()) {
            throw new IllegalArgumentException("digitserve.warmup.max-time must not be negative, was " + maxTime);
        }
        if (concurrency < 0) {
            throw new IllegalArgumentException("digitserve.warmup.concurrency must not be negative, was " + concurrency);
        }
        batchSizes = List.copyOf(batchSizes);
        if (batchSizes.isEmpty() || batchSizes.stream().anyMatch(size -> size < 1)) {
            throw new IllegalArgumentException("digitserve.warmup.batch-sizes must be positive, was " + batchSizes);
        }
    }
}
