package dev.digitserve.training;

import java.util.Random;

/**
 * Which training images one epoch visits and in which order, as row indices into the training data (a row may
 * appear more than once). {@link CnnTrainer#fit} asks for one epoch at a time with its seeded {@link Random}, so
 * an implementation that draws only from that {@code Random} makes a run repeatable. Implementations may keep
 * state between epochs (a permutation that is reshuffled, a position in a cycle); use one instance per run.
 */
public interface EpochSampler {

    /** The rows of the next epoch, in training order. */
    int[] nextEpoch(Random random);

    /**
     * Every row once per epoch, in a fresh order: the plain recipe. The permutation is reshuffled in place from
     * epoch to epoch, as the trainer always did, so runs from before samplers existed repeat exactly.
     */
    static EpochSampler shuffled(int rows) {
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        return random -> {
            shuffle(order, order.length, random);
            return order.clone();
        };
    }

    /** Fisher-Yates over the first {@code length} entries. */
    static void shuffle(int[] values, int length, Random random) {
        for (int i = length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
