package dev.digitserve.model;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Rescans the model repository every {@code digitserve.models.poll-interval}, so that versions copied
 * in by an operator or written by a training Job in another pod are loaded and served without a restart.
 */
@Component
class RepositoryPoller {
    private final ModelRegistry registry;

    RepositoryPoller(ModelRegistry registry) {
        this.registry = registry;
    }

    @Scheduled(initialDelayString = "${digitserve.models.poll-interval:10s}",
            fixedDelayString = "${digitserve.models.poll-interval:10s}")
    void poll() {
        registry.scan();
    }
}
