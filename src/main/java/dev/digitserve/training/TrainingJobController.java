package dev.digitserve.training;

import java.net.URI;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.digitserve.request.ConflictException;
import dev.digitserve.request.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

@RestController
@RequestMapping("/api/v1/training-jobs")
@Validated
@Tag(name = "Training", description = "Train new model versions; they are evaluated, published and served without a restart")
class TrainingJobController {
    private final TrainingJobService jobs;
    private final TrainingJobEvents events;

    TrainingJobController(TrainingJobService jobs, TrainingJobEvents events) {
        this.jobs = jobs;
        this.events = events;
    }

    /** A page of jobs, newest first. */
    record JobPage(List<TrainingJob> jobs, int page, int size, int total) {
    }

    @PostMapping
    @Operation(summary = "Start a training job",
            description = "Queues a job (one runs at a time). It trains on the MNIST training set, evaluates on the"
                    + " 10k test set, publishes the next version of the model with its card and, with promote"
                    + " (default true), serves it. Requires an API key when keys are configured.")
    @ApiResponse(responseCode = "202", description = "Accepted; Location points at the job")
    @ApiResponse(responseCode = "400", description = "Invalid parameters; `errors` names each one")
    @ApiResponse(responseCode = "429", description = "Too many jobs waiting; retry after Retry-After seconds")
    ResponseEntity<TrainingJob> start(@RequestBody @Valid TrainingJobRequest request) {
        TrainingJob job = jobs.submit(request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/training-jobs/" + job.id())).body(job);
    }

    @GetMapping
    @Operation(summary = "List training jobs", description = "Newest first, paged.")
    JobPage list(@RequestParam(defaultValue = "0") @Min(0) int page,
                 @RequestParam(defaultValue = "20") @Min(1) @Max(200) int size) {
        return new JobPage(jobs.list(page, size), page, size, jobs.count());
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a training job", description = "State, progress (epoch, iteration, samples seen,"
            + " loss, images/s, elapsed and remaining seconds) and, when done, the new version and its metrics.")
    @ApiResponse(responseCode = "404", description = "No such job")
    TrainingJob get(@PathVariable String id) {
        return jobs.get(id).orElseThrow(() -> notFound(id));
    }

    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "Follow a training job as server-sent events",
            description = "Sends the job (event `job`, JSON) whenever its state or progress changes, and ends the"
                    + " stream after the final state. For example: `curl -N .../training-jobs/{id}/events`.")
    @ApiResponse(responseCode = "404", description = "No such job")
    SseEmitter events(@PathVariable String id) {
        jobs.get(id).orElseThrow(() -> notFound(id));
        return events.subscribe(id);
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Cancel a training job",
            description = "A queued job is cancelled at once; a running one stops at its next iteration and leaves"
                    + " no model version behind. Answers 202 with the job as it is now.")
    @ApiResponse(responseCode = "202", description = "Cancellation accepted")
    @ApiResponse(responseCode = "404", description = "No such job")
    @ApiResponse(responseCode = "409", description = "The job has already finished")
    ResponseEntity<TrainingJob> cancel(@PathVariable String id) {
        TrainingJob job = jobs.cancel(id).orElseThrow(() -> notFound(id));
        if (job.state().isFinal() && job.state() != JobState.CANCELLED) {
            throw new ConflictException("training job " + job.id() + " has already finished (" + job.state() + ")");
        }
        return ResponseEntity.accepted().body(job);
    }

    private static NotFoundException notFound(String id) {
        return new NotFoundException("no training job with id '" + id + "'");
    }
}
