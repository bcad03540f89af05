package dev.digitserve.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The quiet rule on a fake clock and a fake compilation counter. */
class JitActivityTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong();
    private final AtomicLong compiledMillis = new AtomicLong();
    private final JitActivity jit = new JitActivity(compiledMillis::get, now::get, 2 * SECOND, 0.10);

    private void after(long millis, long compiling) {
        now.addAndGet(millis * 1_000_000);
        compiledMillis.addAndGet(compiling);
        jit.sample();
    }

    @Test
    void isNotQuietBeforeAWholeWindowWasWatched() {
        jit.sample();
        after(500, 0);
        after(500, 0);
        assertThat(jit.quiet()).isFalse();
        after(1000, 0);
        assertThat(jit.quiet()).isTrue();
    }

    @Test
    void isNotQuietWhileTheCompilerIsBusyAndBecomesQuietWhenItSettles() {
        jit.sample();
        for (int i = 0; i < 10; i++) {
            after(500, 300);   // C2 busy: 60% of the time
        }
        assertThat(jit.quiet()).isFalse();
        for (int i = 0; i < 3; i++) {
            after(500, 20);    // 4%, but the window still holds busy rounds
        }
        assertThat(jit.quiet()).isFalse();
        after(500, 20);
        after(500, 20);
        assertThat(jit.quiet()).as("the last 2 s compiled 80 ms").isTrue();
    }

    @Test
    void aBurstOfCompilationInsideTheWindowKeepsItBusy() {
        jit.sample();
        for (int i = 0; i < 8; i++) {
            after(500, 0);
        }
        assertThat(jit.quiet()).isTrue();
        after(500, 400);
        assertThat(jit.quiet()).isFalse();
    }
}
