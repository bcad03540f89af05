package dev.digitserve.datasets;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a stored dataset holds, as {@code manifest.json} beside its IDX files and as the API shows it.
 * {@code labels} are in index order: the labels file stores each image's position in this list.
 *
 * @param id      what training jobs name
 * @param source  {@code archive} (a zip of label folders, preprocessed) or {@code idx} (an IDX pair, stored as sent)
 * @param count   images stored
 * @param labels  each label with its image count, in index order
 * @param sha256  SHA-256 of each stored file, by file name
 * @param skipped entries of the upload that were not stored, each with the reason
 */
public record DatasetManifest(String id, String name, Instant created, String source, int count,
                              List<LabelCount> labels, Map<String, String> sha256, List<Skipped> skipped) {

    public record LabelCount(String label, int count) {
    }

    public record Skipped(String entry, String reason) {
    }

    /** The labels alone, in index order. */
    public List<String> labelNames() {
        return labels.stream().map(LabelCount::label).toList();
    }
}
