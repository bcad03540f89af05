package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResidencyTest {

    @Test
    void aVersionWithARequestInsideCannotBeRetired() {
        Residency residency = new Residency(10, 0, null);
        assertThat(residency.tryAcquire()).isTrue();
        assertThat(residency.tryRetire()).isFalse();
        residency.release();
        assertThat(residency.tryRetire()).isTrue();
        assertThat(residency.tryAcquire()).isFalse();
        assertThat(residency.retired()).isTrue();
        assertThat(residency.tryRetire()).isTrue(); // idempotent
    }

    @Test
    void acquiringMarksTheVersionUsed() {
        Residency residency = new Residency(10, Long.MIN_VALUE, null);
        long before = System.nanoTime();
        assertThat(residency.tryAcquire()).isTrue();
        assertThat(residency.lastUsedNanos() - before).isGreaterThanOrEqualTo(0);
        assertThat(residency.inFlight()).isEqualTo(1);
    }

    @Test
    void theLastRequestLeavingSignalsIdle() {
        AtomicInteger idle = new AtomicInteger();
        Residency residency = new Residency(10, 0, idle::incrementAndGet);
        residency.tryAcquire();
        residency.tryAcquire();
        residency.release();
        assertThat(idle).hasValue(0);
        residency.release();
        assertThat(idle).hasValue(1);
    }

    @Test
    void retiringAndAcquiringRacingNeverBothWin() throws Exception {
        for (int round = 0; round < 500; round++) {
            Residency residency = new Residency(10, 0, null);
            CyclicBarrier start = new CyclicBarrier(2);
            boolean[] acquired = new boolean[1];
            CountDownLatch done = new CountDownLatch(1);
            Thread requester = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    return;
                }
                acquired[0] = residency.tryAcquire();
                done.countDown();
            });
            requester.start();
            start.await();
            boolean retired = residency.tryRetire();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(acquired[0] && retired).as("round %d", round).isFalse();
            assertThat(acquired[0] || retired).as("round %d", round).isTrue();
        }
    }
}
