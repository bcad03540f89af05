package dev.digitserve.inference;

import org.bytedeco.javacpp.Pointer;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * JavaCPP's off-heap accounting as gauges, because ND4J keeps every tensor outside the Java heap and none of the JVM
 * meters sees it. JavaCPP refuses allocations (ND4J then fails with an OutOfMemoryError) when either of its two
 * limits is reached, which is what these are for alerting on:
 * <ul>
 *   <li>{@value #USED} / {@value #MAX}: bytes held by live JavaCPP pointers ({@link Pointer#totalBytes()}) and their
 *       limit, {@code -Dorg.bytedeco.javacpp.maxbytes} ({@link Pointer#maxBytes()}; 0 means none).
 *   <li>{@value #PHYSICAL_USED} / {@value #PHYSICAL_MAX}: the whole process's resident memory as JavaCPP measures it
 *       ({@link Pointer#physicalBytes()}, heap and native libraries included) and its limit,
 *       {@code -Dorg.bytedeco.javacpp.maxphysicalbytes} ({@link Pointer#maxPhysicalBytes()}; 0 means none).
 * </ul>
 * Read at scrape time; {@link Pointer#physicalBytes()} reads the process's memory statistics from the kernel, which is
 * what JavaCPP itself does before large allocations. Prometheus names: dots to underscores plus {@code _bytes}.
 */
@Component
class JavaCppMemoryMetrics implements MeterBinder {
    static final String USED = "digitserve.javacpp.memory.used";
    static final String MAX = "digitserve.javacpp.memory.max";
    static final String PHYSICAL_USED = "digitserve.javacpp.physical.memory.used";
    static final String PHYSICAL_MAX = "digitserve.javacpp.physical.memory.max";

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(USED, Pointer::totalBytes).baseUnit(BaseUnits.BYTES)
                .description("Off-heap bytes held by JavaCPP pointers (ND4J tensors)").register(registry);
        Gauge.builder(MAX, Pointer::maxBytes).baseUnit(BaseUnits.BYTES)
                .description("JavaCPP's limit on those bytes (org.bytedeco.javacpp.maxbytes; 0 = none)")
                .register(registry);
        Gauge.builder(PHYSICAL_USED, Pointer::physicalBytes).baseUnit(BaseUnits.BYTES)
                .description("Resident memory of the whole process, as JavaCPP measures it").register(registry);
        Gauge.builder(PHYSICAL_MAX, Pointer::maxPhysicalBytes).baseUnit(BaseUnits.BYTES)
                .description("JavaCPP's limit on resident memory (org.bytedeco.javacpp.maxphysicalbytes; 0 = none)")
                .register(registry);
    }
}
