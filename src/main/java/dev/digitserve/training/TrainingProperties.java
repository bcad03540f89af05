package dev.digitserve.training;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.training.*}.
 *
 * @param dataDir       where the MNIST IDX files are (the build fetches them; a job fails clearly without them)
 * @param maxQueuedJobs jobs that may wait behind the running one; more are refused with 429
 * @param threads       native threads ND4J may use while a job trains (0 = all cores). ND4J has one thread pool
 *                      per process, so this also caps inference while the job runs; see the README
 */
@ConfigurationProperties("digitserve.training")
public record TrainingProperties(
        @DefaultValue("data/mnist") Path dataDir,
        @DefaultValue("4") int maxQueuedJobs,
        @DefaultValue("0") int threads) {
}
