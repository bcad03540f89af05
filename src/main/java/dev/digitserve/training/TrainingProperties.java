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
 * @param retention     how many finished job records are kept
 */
@ConfigurationProperties("digitserve.training")
public record TrainingProperties(
        @DefaultValue("data/mnist") Path dataDir,
        @DefaultValue("4") int maxQueuedJobs,
        @DefaultValue("0") int threads,
        @DefaultValue Retention retention) {

    public TrainingProperties {
        retention = retention == null ? new Retention(null, null) : retention;
    }

    /**
     * Which records of finished jobs (succeeded, failed, cancelled) are kept; queued and running jobs always are.
     * Applied at start and whenever a job finishes. Null: no limit of that kind.
     *
     * @param keepJobs the newest N finished jobs
     * @param keepDays finished jobs that ended within the last N days
     */
    public record Retention(Integer keepJobs, Integer keepDays) {
        public Retention {
            if (keepJobs != null && keepJobs < 0 || keepDays != null && keepDays < 0) {
                throw new IllegalArgumentException("digitserve.training.retention.* must not be negative");
            }
        }
    }
}
