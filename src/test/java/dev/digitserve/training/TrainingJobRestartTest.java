package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/** Job records survive a restart; a job that was running when the service stopped is shown as failed. */
class TrainingJobRestartTest {
    @TempDir
    Path models;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);

    private TrainingJobService startService(JobStore store, SimpleMeterRegistry meters) {
        ModelRepository repository = new ModelRepository(models, json);
        return new TrainingJobService(new ModelTraining(repository, models.resolve("no-data"), json), null, store,
                new TrainingProperties(models.resolve("no-data"), 4, 0, null), clock, meters);
    }

    @Test
    void recordsSurviveAndInterruptedJobsAreFailed() {
        JobStore store = new JobStore(models.resolve(".jobs"), json);
        TrainingJobRequest request = new TrainingJobRequest("lasso", true, null, null, null, 100, null, null,
                null, null, null, null).withDefaults();
        TrainingJob done = new TrainingJob("done", "lasso", request, JobState.SUCCEEDED, null,
                Instant.parse("2026-11-29T10:00:00Z"), Instant.parse("2026-11-29T10:00:01Z"),
                Instant.parse("2026-11-29T10:00:05Z"), 3, new Evaluation(10_000, 0.3, null, 0.48, new int[10][10]), null);
        TrainingJob running = new TrainingJob("running", "cnn", request, JobState.RUNNING,
                new TrainingProgress(2, 12, 900, 115_200, 0.1, 700, 160, 800, null),
                Instant.parse("2026-11-29T11:00:00Z"), Instant.parse("2026-11-29T11:00:01Z"), null, null, null, null);
        store.save(done);
        store.save(running);

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TrainingJobService restarted = startService(store, meters);

        assertThat(restarted.get("done")).get().usingRecursiveComparison().isEqualTo(done);
        TrainingJob interrupted = restarted.get("running").orElseThrow();
        assertThat(interrupted.state()).isEqualTo(JobState.FAILED);
        assertThat(interrupted.failureReason()).startsWith("interrupted");
        assertThat(interrupted.finishedAt()).isEqualTo(clock.instant());
        assertThat(interrupted.progress().epoch()).as("progress is kept").isEqualTo(2);
        assertThat(restarted.list(0, 10)).extracting(TrainingJob::id).containsExactly("running", "done");
        assertThat(meters.get("digitserve.training.jobs").tag("state", "FAILED").gauge().value()).isEqualTo(1);
        assertThat(store.loadAll()).filteredOn(job -> job.id().equals("running"))
                .extracting(TrainingJob::state).containsExactly(JobState.FAILED);
        restarted.close();
    }

    @Test
    void aJobWithoutTheDataFailsWithAClearReason() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TrainingJobService service = startService(new JobStore(models.resolve(".jobs"), json), meters);

        TrainingJob job = service.submit(new TrainingJobRequest("lasso", true, null, null, null, 100, null, null,
                null, null, null, null));

        org.awaitility.Awaitility.await().until(() -> service.get(job.id()).orElseThrow().state().isFinal());
        TrainingJob failed = service.get(job.id()).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.failureReason()).contains("MNIST files are not in");
        service.close();
    }

    @Test
    void retentionDeletesTheRecordsOfOldFinishedJobsAtStartAndAfterEachJob() {
        JobStore store = new JobStore(models.resolve(".jobs"), json);
        TrainingJobRequest request = new TrainingJobRequest("lasso", true, null, null, null, 100, null, null,
                null, null, null, null).withDefaults();
        for (int day = 1; day <= 4; day++) {
            Instant finished = clock.instant().minus(java.time.Duration.ofDays(day * 3L));
            store.save(new TrainingJob("old-" + day, "lasso", request, JobState.SUCCEEDED, null, finished, finished,
                    finished, day, null, null));
        }
        store.save(new TrainingJob("queued", "lasso", request, JobState.QUEUED, null,
                clock.instant().minus(java.time.Duration.ofDays(30)), null, null, null, null, null));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ModelRepository repository = new ModelRepository(models, json);
        TrainingProperties keepTwoOrTenDays = new TrainingProperties(models.resolve("no-data"), 4, 0,
                new TrainingProperties.Retention(2, 10));

        TrainingJobService service = new TrainingJobService(new ModelTraining(repository, models.resolve("no-data"),
                json), null, store, keepTwoOrTenDays, clock, meters);

        // old-1 (3 days) and old-2 (6 days) are the newest two and within 10 days; old-3 and old-4 go; the job that
        // was queued at the stop is now a failed (finished just now) record, and the newest of all
        assertThat(store.loadAll()).extracting(TrainingJob::id).containsExactlyInAnyOrder("queued", "old-1");
        assertThat(service.get("old-4")).isEmpty();
        assertThat(meters.get("digitserve.training.jobs.removed").counter().count()).isEqualTo(3);

        TrainingJob next = service.submit(request);
        org.awaitility.Awaitility.await().until(() -> service.get(next.id()).orElseThrow().state().isFinal());
        assertThat(store.loadAll()).extracting(TrainingJob::id).containsExactlyInAnyOrder(next.id(), "queued");
        service.close();
    }
}
