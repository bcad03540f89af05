package dev.digitserve.datasets;

import java.util.List;

/**
 * A dataset in memory: {@code count} images of 28x28 unsigned bytes (row-major, 0 = background, like MNIST)
 * and for each image the index of its label in {@code labels}.
 */
public record LabelledImages(DatasetManifest manifest, List<String> labels, int count, byte[] pixels, byte[] labelIndices) {
}
