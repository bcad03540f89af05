package dev.digitserve.prediction;

/** {@code count} images as one row-major block of {@code count * 784} floats in [0, 1]. */
public record Instances(float[] pixels, int count) {
}
