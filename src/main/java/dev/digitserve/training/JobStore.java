package dev.digitserve.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Job records as one JSON file per job in a directory (by default {@code <models dir>/.jobs}, which the
 * model repository ignores). Each write goes to a temporary file that is then renamed over the old one,
 * so a crash leaves either the old or the new record, never half of one.
 */
final class JobStore {
    private static final Logger log = LoggerFactory.getLogger(JobStore.class);

    private final Path dir;
    private final JsonMapper json;

    JobStore(Path dir, JsonMapper json) {
        this.dir = dir;
        this.json = json;
    }

    void save(TrainingJob job) {
        try {
            Files.createDirectories(dir);
            Path temporary = Files.createTempFile(dir, ".job-", ".tmp");
            Files.writeString(temporary, json.writeValueAsString(job));
            Files.move(temporary, dir.resolve(job.id() + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist training job " + job.id(), e);
        }
    }

    /** Deletes one job's record; false if there was none. */
    boolean delete(String id) {
        try {
            return Files.deleteIfExists(dir.resolve(id + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete training job record " + id, e);
        }
    }

    /** Every readable record; unreadable files are logged and skipped. */
    List<TrainingJob> loadAll() {
        List<TrainingJob> jobs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return jobs;
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                try {
                    jobs.add(json.readValue(file.toFile(), TrainingJob.class));
                } catch (JacksonException e) {
                    log.warn("skipping unreadable training job record {}: {}", file, e.getOriginalMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training jobs from " + dir, e);
        }
        return jobs;
    }
}
