package dev.digitserve.training;

import java.util.Arrays;
import java.util.Random;

/**
 * Class-balanced epochs: every class present in the data gets the same share of an epoch, however many images it
 * has. Fine-tuning that adds classes trains a few dozen pictures of each new class beside thousands of each old
 * one; shuffled plainly, the new classes make up a fraction of a percent of the gradient steps and are barely
 * learned. Here an epoch of {@code length} draws gives each of the C present classes {@code length / C} draws (the
 * remainder, one each, to classes picked at random), so a rare class is oversampled and a common one undersampled.
 *
 * <p>Within a class the draws walk through a shuffled cycle of its images, reshuffled whenever it is used up and
 * carried over from epoch to epoch: counted over the run so far, no image of a class has been drawn more than once
 * more often than another of its class, so a rare image is repeated evenly and every image of a common class gets
 * its turn. Combined with {@link Augmentation}, the repeats of a rare image are different distortions of it. The
 * epoch's draws are shuffled together at the end. Deterministic for a given sequence of {@link Random}s; not
 * thread-safe.
 */
public final class BalancedSampler implements EpochSampler {
    /** Classes this much larger than the smallest count as "very unequal" ({@link #needed}). */
    static final double IMBALANCE_RATIO = 2.0;

    private final int length;
    private final int[][] cycles;
    private final int[] positions;

    /**
     * @param labels  the class index of every training row
     * @param classes the number of classes (labels are below it); classes without rows get no share
     * @param length  draws per epoch (usually the number of rows, so an epoch costs what a plain one does)
     */
    public BalancedSampler(byte[] labels, int classes, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("an epoch needs at least one draw");
        }
        int[] counts = counts(labels, classes);
        int present = (int) Arrays.stream(counts).filter(c -> c > 0).count();
        if (present == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        this.length = length;
        this.cycles = new int[present][];
        int[] filled = new int[present];
        int[] slot = new int[classes];
        for (int c = 0, s = 0; c < classes; c++) {
            if (counts[c] > 0) {
                slot[c] = s;
                cycles[s++] = new int[counts[c]];
            }
        }
        for (int row = 0; row < labels.length; row++) {
            int s = slot[labels[row] & 0xff];
            cycles[s][filled[s]++] = row;
        }
        // "used up": the first draw of each class shuffles its cycle
        this.positions = new int[present];
        for (int s = 0; s < present; s++) {
            positions[s] = cycles[s].length;
        }
    }

    /**
     * True when the classes present are very unequal: the largest has more than {@value #IMBALANCE_RATIO} times the
     * rows of the smallest. Nearly equal classes are left to plain shuffling, which sees every row every epoch.
     */
    public static boolean needed(byte[] labels, int classes) {
        int[] counts = counts(labels, classes);
        int max = Arrays.stream(counts).max().orElse(0);
        int min = Arrays.stream(counts).filter(c -> c > 0).min().orElse(0);
        return min > 0 && max > IMBALANCE_RATIO * min;
    }

    @Override
    public int[] nextEpoch(Random random) {
        int present = cycles.length;
        int share = length / present;
        int extra = length % present;
        // which classes get one more draw this epoch: `extra` consecutive ones from a random start
        int first = random.nextInt(present);
        int[] epoch = new int[length];
        int at = 0;
        for (int s = 0; s < present; s++) {
            int draws = share + (Math.floorMod(s - first, present) < extra ? 1 : 0);
            int[] cycle = cycles[s];
            for (int d = 0; d < draws; d++) {
                if (positions[s] == cycle.length) {
                    EpochSampler.shuffle(cycle, cycle.length, random);
                    positions[s] = 0;
                }
                epoch[at++] = cycle[positions[s]++];
            }
        }
        EpochSampler.shuffle(epoch, epoch.length, random);
        return epoch;
    }

    private static int[] counts(byte[] labels, int classes) {
        int[] counts = new int[classes];
        for (byte label : labels) {
            int c = label & 0xff;
            if (c >= classes) {
                throw new IllegalArgumentException("label " + c + " is not below " + classes);
            }
            counts[c]++;
        }
        return counts;
    }
}
