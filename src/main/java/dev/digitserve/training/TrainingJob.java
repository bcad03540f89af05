package dev.digitserve.training;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.digitserve.evaluation.Evaluation;

/**
 * A training job as the API shows it and as it is persisted (one JSON file per job). Immutable: every
 * change makes a new record.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingJob(
        String id,
        String model,
        TrainingJobRequest parameters,
        JobState state,
        TrainingProgress progress,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Integer version,
        Evaluation metrics,
        String failureReason) {

    TrainingJob withState(JobState newState, Instant at) {
        return new TrainingJob(id, model, parameters, newState, progress, createdAt,
                newState == JobState.RUNNING ? at : startedAt, newState.isFinal() ? at : finishedAt,
                version, metrics, failureReason);
    }

    TrainingJob withProgress(TrainingProgress newProgress) {
        return new TrainingJob(id, model, parameters, state, newProgress, createdAt, startedAt, finishedAt,
                version, metrics, failureReason);
    }

    TrainingJob succeeded(int newVersion, Evaluation evaluation, Instant at) {
        return new TrainingJob(id, model, parameters, JobState.SUCCEEDED, progress, createdAt, startedAt, at,
                newVersion, evaluation, null);
    }

    TrainingJob failed(JobState finalState, String reason, Instant at) {
        return new TrainingJob(id, model, parameters, finalState, progress, createdAt, startedAt, at,
                version, metrics, reason);
    }
}
