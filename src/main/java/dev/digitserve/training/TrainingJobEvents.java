package dev.digitserve.training;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of training jobs: every subscriber receives the job (event {@code job}) whenever it
 * changed since the last look, checked twice a second on one shared thread, and the stream ends after the
 * job's final state has been sent.
 */
@Component
class TrainingJobEvents implements AutoCloseable {
    private static final long TIMEOUT_MS = TimeUnit.HOURS.toMillis(2);

    private final TrainingJobService jobs;
    private final Map<SseEmitter, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "training-events");
        thread.setDaemon(true);
        return thread;
    });

    TrainingJobEvents(TrainingJobService jobs) {
        this.jobs = jobs;
        ticker.scheduleWithFixedDelay(this::publish, 500, 500, TimeUnit.MILLISECONDS);
    }

    private static final class Subscription {
        final String jobId;
        TrainingJob lastSent;

        Subscription(String jobId) {
            this.jobId = jobId;
        }
    }

    SseEmitter subscribe(String jobId) {
        SseEmitter emitter = new SseEmitter(TIMEOUT_MS);
        subscriptions.put(emitter, new Subscription(jobId));
        emitter.onCompletion(() -> subscriptions.remove(emitter));
        emitter.onTimeout(() -> subscriptions.remove(emitter));
        emitter.onError(error -> subscriptions.remove(emitter));
        ticker.execute(this::publish);
        return emitter;
    }

    private void publish() {
        subscriptions.forEach((emitter, subscription) -> jobs.get(subscription.jobId).ifPresent(job -> {
            if (job.equals(subscription.lastSent)) {
                return;
            }
            try {
                emitter.send(SseEmitter.event().name("job").id(job.id()).data(job));
                subscription.lastSent = job;
                if (job.state().isFinal()) {
                    subscriptions.remove(emitter);
                    emitter.complete();
                }
            } catch (IOException | IllegalStateException e) {
                subscriptions.remove(emitter);
            }
        }));
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        subscriptions.keySet().forEach(SseEmitter::complete);
    }
}
