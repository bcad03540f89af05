package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Class-balanced epochs and the plain shuffled ones, on label arrays alone. */
class BalancedSamplerTest {

    /** {@code counts[c]} rows of class c, classes interleaved so that rows of a class are not contiguous. */
    private static byte[] labels(int... counts) {
        int total = Arrays.stream(counts).sum();
        byte[] labels = new byte[total];
        int[] left = counts.clone();
        int at = 0;
        while (at < total) {
            for (int c = 0; c < counts.length; c++) {
                if (left[c] > 0) {
                    labels[at++] = (byte) c;
                    left[c]--;
                }
            }
        }
        return labels;
    }

    private static int[] perClass(int[] epoch, byte[] labels, int classes) {
        int[] counts = new int[classes];
        for (int row : epoch) {
            counts[labels[row]]++;
        }
        return counts;
    }

    private static int[] perRow(int[] draws, int rows) {
        int[] counts = new int[rows];
        for (int row : draws) {
            counts[row]++;
        }
        return counts;
    }

    @Test
    void everyClassPresentGetsTheSameShareOfAnEpoch() {
        // 1,000 old images of one class against 10 and 50 of two new ones, class 3 absent
        byte[] labels = labels(1000, 10, 50, 0);
        BalancedSampler sampler = new BalancedSampler(labels, 4, 999);
        Random random = new Random(1);
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] draws = sampler.nextEpoch(random);
            assertThat(draws).hasSize(999);
            assertThat(perClass(draws, labels, 4)).containsExactly(333, 333, 333, 0);
        }
    }

    @Test
    void theRemainderOfAnUnevenEpochGoesOneDrawEachToSomeClasses() {
        byte[] labels = labels(500, 20, 7);
        BalancedSampler sampler = new BalancedSampler(labels, 3, 1001);
        Random random = new Random(2);
        for (int epoch = 0; epoch < 5; epoch++) {
            int[] counts = perClass(sampler.nextEpoch(random), labels, 3);
            assertThat(Arrays.stream(counts).sum()).isEqualTo(1001);
            assertThat(Arrays.stream(counts).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(333, 334));
        }
    }

    @Test
    void rareImagesAreRepeatedEvenlyAndCommonOnesTakeTurns() {
        byte[] labels = labels(1200, 9);
        BalancedSampler sampler = new BalancedSampler(labels, 2, 400);
        Random random = new Random(3);
        int[] seen = new int[labels.length];
        for (int epoch = 1; epoch <= 6; epoch++) {
            int[] epochCounts = perRow(sampler.nextEpoch(random), labels.length);
            for (int row = 0; row < labels.length; row++) {
                seen[row] += epochCounts[row];
            }
            int[] rare = rowsOf(labels, 1);
            int[] common = rowsOf(labels, 0);
            int rareMin = Arrays.stream(rare).map(r -> seen[r]).min().orElseThrow();
            int rareMax = Arrays.stream(rare).map(r -> seen[r]).max().orElseThrow();
            assertThat(rareMax - rareMin).as("rare images after epoch %d", epoch).isLessThanOrEqualTo(1);
            assertThat(rareMin).as("200 draws a epoch over 9 images").isGreaterThanOrEqualTo(200 * epoch / 9);
            int commonMax = Arrays.stream(common).map(r -> seen[r]).max().orElseThrow();
            // 200 draws a epoch from 1,200 images: no image twice before every one has been drawn once
            assertThat(commonMax).as("common images after epoch %d", epoch).isEqualTo(1);
            assertThat(Arrays.stream(common).filter(r -> seen[r] == 1).count()).isEqualTo(200L * epoch);
        }
    }

    private static int[] rowsOf(byte[] labels, int label) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
    }

    @Test
    void theSameSeedGivesTheSameEpochsAndAnotherSeedOthers() {
        byte[] labels = labels(300, 12, 40);
        BalancedSampler first = new BalancedSampler(labels, 3, 352);
        BalancedSampler second = new BalancedSampler(labels, 3, 352);
        BalancedSampler other = new BalancedSampler(labels, 3, 352);
        Random a = new Random(42);
        Random b = new Random(42);
        Random c = new Random(43);
        for (int epoch = 0; epoch < 4; epoch++) {
            int[] epochA = first.nextEpoch(a);
            assertThat(second.nextEpoch(b)).containsExactly(epochA);
            assertThat(other.nextEpoch(c)).isNotEqualTo(epochA);
        }
    }

    @Test
    void anEpochIsShuffledNotGroupedByClass() {
        byte[] labels = labels(100, 100);
        int[] draws = new BalancedSampler(labels, 2, 200).nextEpoch(new Random(5));
        int firstHalfOfClass0 = (int) Arrays.stream(draws, 0, 100).filter(r -> labels[r] == 0).count();
        assertThat(firstHalfOfClass0).isBetween(30, 70);
    }

    @Test
    void veryUnequalClassesNeedBalancingNearlyEqualOnesDoNot() {
        assertThat(BalancedSampler.needed(labels(5000, 45, 45), 3)).isTrue();
        assertThat(BalancedSampler.needed(labels(100, 60), 2)).isFalse();
        assertThat(BalancedSampler.needed(labels(100, 50), 2)).isFalse();
        assertThat(BalancedSampler.needed(labels(100, 49), 2)).isTrue();
        assertThat(BalancedSampler.needed(labels(100, 0, 90), 3)).as("an absent class is not a small one").isFalse();
    }

    @Test
    void refusesLabelsOutsideTheClassesAndEmptyEpochs() {
        assertThatThrownBy(() -> new BalancedSampler(new byte[] {0, 2}, 2, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 2");
        assertThatThrownBy(() -> new BalancedSampler(new byte[] {0, 1}, 2, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BalancedSampler(new byte[0], 2, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no training rows");
    }

    @Test
    void aShuffledEpochVisitsEveryRowOnceInAFreshOrderAndRepeatsWithTheSeed() {
        EpochSampler sampler = EpochSampler.shuffled(50);
        EpochSampler again = EpochSampler.shuffled(50);
        Random random = new Random(7);
        Random same = new Random(7);
        int[] previous = null;
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] draws = sampler.nextEpoch(random);
            assertThat(perRow(draws, 50)).containsOnly(1);
            assertThat(again.nextEpoch(same)).containsExactly(draws);
            assertThat(draws).isNotEqualTo(previous);
            previous = draws;
        }
    }
}
