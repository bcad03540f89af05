package dev.digitserve.datasets;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

import org.springframework.stereotype.Component;

import dev.digitserve.model.ModelCard;
import dev.digitserve.model.ModelRepository;

/**
 * Which datasets the model repository still refers to: a version fine-tuned on a dataset names it in its card,
 * and as long as that version directory exists (retention has not removed it) the dataset documents how it was
 * made. Read from disk on every call, so it sees versions deleted or published a moment ago; unreadable cards are
 * skipped (they refer to nothing that can be shown). Thread-safe.
 */
@Component
class DatasetReferences {
    private final ModelRepository repository;

    DatasetReferences(ModelRepository repository) {
        this.repository = repository;
    }

    /** Ids of the datasets some version on disk was fine-tuned on. */
    Set<String> referenced() {
        Set<String> ids = new HashSet<>();
        for (String name : repository.modelNames()) {
            for (int version : repository.versions(name)) {
                try {
                    ModelCard card = repository.readCard(name, version);
                    if (card.fineTuning() != null && card.fineTuning().datasetId() != null) {
                        ids.add(card.fineTuning().datasetId());
                    }
                } catch (IOException e) {
                    // a version without a readable card cannot be served either; it refers to nothing
                }
            }
        }
        return ids;
    }
}
