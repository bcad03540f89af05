package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.digitserve.model.MemoryBudget.Outcome;
import dev.digitserve.model.MemoryBudget.Resident;

class MemoryBudgetTest {

    private static Resident<String> idle(String name, long bytes, long lastUsed) {
        return new Resident<>(name, bytes, lastUsed, false, true);
    }

    @Test
    void fitsWithoutEvictingWhenThereIsRoom() {
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 30, List.of(idle("a", 40, 1), idle("b", 30, 2)));
        assertThat(plan.outcome()).isEqualTo(Outcome.FITS);
        assertThat(plan.victims()).isEmpty();
    }

    @Test
    void evictsTheFewestLeastRecentlyUsedIdleVersions() {
        List<Resident<String>> residents = List.of(idle("newest", 30, 30), idle("oldest", 30, 10),
                idle("middle", 30, 20));
        // 90 of 100 used; 40 more need 30 freed: only the oldest goes
        assertThat(MemoryBudget.plan(100, 40, residents).victims()).containsExactly("oldest");
        // 70 more need 60 freed: the two oldest, oldest first
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 70, residents);
        assertThat(plan.outcome()).isEqualTo(Outcome.EVICT);
        assertThat(plan.victims()).containsExactly("oldest", "middle");
    }

    @Test
    void neverChoosesKeptOrBusyVersions() {
        List<Resident<String>> residents = List.of(
                new Resident<>("pinned", 30, 1, true, true),
                new Resident<>("busy", 30, 2, false, false),
                idle("idle", 30, 3));
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 40, residents);
        assertThat(plan.outcome()).isEqualTo(Outcome.EVICT);
        assertThat(plan.victims()).containsExactly("idle");
    }

    @Test
    void waitsWhenOnlyBusyVersionsCouldMakeRoom() {
        List<Resident<String>> residents = List.of(
                new Resident<>("busy", 50, 1, false, false), idle("idle", 30, 2));
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 60, residents);
        assertThat(plan.outcome()).isEqualTo(Outcome.WAIT);
        assertThat(plan.victims()).isEmpty();
        assertThat(plan.reason()).contains("answering requests");
    }

    @Test
    void aVersionLargerThanTheWholeBudgetCanNeverFit() {
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 101, List.of());
        assertThat(plan.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(plan.reason()).contains("101 bytes").contains("whole memory budget of 100 bytes");
    }

    @Test
    void aVersionThatCannotFitBesideTheKeptOnesCanNeverFit() {
        List<Resident<String>> residents = List.of(new Resident<>("always", 70, 1, true, true), idle("idle", 20, 2));
        MemoryBudget.Plan<String> plan = MemoryBudget.plan(100, 40, residents);
        assertThat(plan.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(plan.reason()).contains("pinned and always-loaded versions keep 70");
    }

    @Test
    void exactlyFullIsStillAFit() {
        assertThat(MemoryBudget.plan(100, 40, List.of(idle("a", 60, 1))).outcome()).isEqualTo(Outcome.FITS);
        assertThat(MemoryBudget.plan(100, 100, List.of()).outcome()).isEqualTo(Outcome.FITS);
    }
}
