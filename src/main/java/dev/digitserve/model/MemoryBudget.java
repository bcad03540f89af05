package dev.digitserve.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides how a version that needs {@code need} bytes gets into a memory budget of {@code limit} bytes: it fits,
 * or these least recently used idle versions must go first, or it must wait for busy versions to fall idle, or it
 * can never fit (alone, or beside the versions that may never be evicted).
 *
 * <p>Pure and stateless: the registry hands it a snapshot of the loaded versions and carries out the plan, retiring
 * each victim atomically ({@link Residency#tryRetire()}) and planning again if one turned busy meanwhile.
 */
final class MemoryBudget {
    private MemoryBudget() {
    }

    /**
     * A loaded version as the budget sees it.
     *
     * @param keep true for versions that are never evicted (pinned, or of an always-loaded model)
     * @param idle true when no request is inside it
     */
    record Resident<T>(T item, long bytes, long lastUsedNanos, boolean keep, boolean idle) {
    }

    enum Outcome { FITS, EVICT, WAIT, TOO_LARGE }

    /**
     * @param victims for {@code EVICT}: the fewest least recently used idle, evictable versions whose bytes make
     *                room, oldest first
     * @param reason  for {@code TOO_LARGE} and {@code WAIT}: what an operator or client should know
     */
    record Plan<T>(Outcome outcome, List<T> victims, String reason) {
    }

    static <T> Plan<T> plan(long limit, long need, List<Resident<T>> residents) {
        if (need > limit) {
            return new Plan<>(Outcome.TOO_LARGE, List.of(), "it needs an estimated " + need
                    + " bytes, more than the whole memory budget of " + limit + " bytes (digitserve.models.memory-budget)");
        }
        long used = 0;
        long kept = 0;
        for (Resident<T> resident : residents) {
            used += resident.bytes();
            if (resident.keep()) {
                kept += resident.bytes();
            }
        }
        if (used + need <= limit) {
            return new Plan<>(Outcome.FITS, List.of(), null);
        }
        if (kept + need > limit) {
            return new Plan<>(Outcome.TOO_LARGE, List.of(), "it needs an estimated " + need + " bytes and the pinned and"
                    + " always-loaded versions keep " + kept + " of the " + limit + " bytes of the memory budget");
        }
        List<Resident<T>> candidates = new ArrayList<>();
        for (Resident<T> resident : residents) {
            if (!resident.keep() && resident.idle()) {
                candidates.add(resident);
            }
        }
        candidates.sort(Comparator.comparingLong(Resident::lastUsedNanos));
        List<T> victims = new ArrayList<>();
        long free = limit - used;
        for (Resident<T> candidate : candidates) {
            if (free >= need) {
                break;
            }
            victims.add(candidate.item());
            free += candidate.bytes();
        }
        if (free >= need) {
            return new Plan<>(Outcome.EVICT, victims, null);
        }
        return new Plan<>(Outcome.WAIT, List.of(), "the memory budget of " + limit + " bytes is taken by versions"
                + " answering requests");
    }
}
