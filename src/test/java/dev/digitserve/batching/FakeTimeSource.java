package dev.digitserve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when a test says so; due alarms run on the advancing thread, in time order. */
final class FakeTimeSource implements TimeSource {

    private long now = 1_000_000_000L; // arbitrary origin, as with System.nanoTime()
    private final List<FakeAlarm> alarms = new ArrayList<>();

    private final class FakeAlarm implements Alarm {
        final long at;
        final Runnable task;
        volatile boolean cancelled;

        FakeAlarm(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
            synchronized (FakeTimeSource.this) {
                alarms.remove(this);
            }
        }
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public Alarm schedule(long atNanos, Runnable task) {
        FakeAlarm alarm = new FakeAlarm(atNanos, task);
        synchronized (this) {
            if (atNanos - now > 0) {
                alarms.add(alarm);
                return alarm;
            }
        }
        task.run();
        return alarm;
    }

    /** Moves the clock and runs the alarms that came due. */
    void advance(Duration duration) {
        List<FakeAlarm> due = new ArrayList<>();
        synchronized (this) {
            now += duration.toNanos();
            for (FakeAlarm alarm : alarms) {
                if (alarm.at - now <= 0) {
                    due.add(alarm);
                }
            }
            alarms.removeAll(due);
        }
        due.sort(Comparator.comparingLong(alarm -> alarm.at));
        for (FakeAlarm alarm : due) {
            if (!alarm.cancelled) {
                alarm.task.run();
            }
        }
    }

    /** Moves the clock without running alarms: simulates an alarm thread that is late. */
    synchronized void advanceWithoutAlarms(Duration duration) {
        now += duration.toNanos();
    }

    synchronized boolean hasAlarmAt(long atNanos) {
        return alarms.stream().anyMatch(alarm -> alarm.at == atNanos);
    }

    synchronized int pendingAlarms() {
        return alarms.size();
    }
}
