package dev.digitserve.inference;

import java.util.Map;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.Nd4jCpu;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares ND4J and DL4J for fast work, once per JVM, and reports what is running.
 *
 * <p>DL4J 1.0.0-M2.1 ships with its oneDNN layer helpers disabled (system property
 * {@value #HELPERS_DISABLE_PROPERTY} defaults to {@code true}) and, even when enabled, cannot find the
 * native switch it checks (see {@link Nd4jCpu}). Every code path that builds or loads a network calls
 * {@link #configure()} first, so the service, the training command and the tests all get the helpers
 * without remembering to. An operator can still switch them off with
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true}.
 *
 * <p>Environment variables the native libraries read at load time ({@code OMP_WAIT_POLICY=PASSIVE},
 * {@code OPENBLAS_THREAD_TIMEOUT=4}, {@code OPENBLAS_CORETYPE}, {@code OMP_NUM_THREADS}) must be set by
 * whoever starts the JVM; a missing one is
 * logged as a warning here.
 */
public final class NativeBackend {
    static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    private static final Logger log = LoggerFactory.getLogger(NativeBackend.class);
    private static volatile Info info;

    private NativeBackend() {
    }

    /**
     * What is running: the ND4J backend ({@code CPU} or {@code CUDA}), the native library file JavaCPP
     * loaded for it, whether that binary has oneDNN switched on, whether DL4J's layer helpers are allowed,
     * the BLAS vendor and the number of native threads.
     */
    public record Info(String backend, String nativeLibrary, boolean oneDnn, boolean layerHelpersEnabled,
                       String blasVendor, String device, int threads) {
        public String describe() {
            return "ND4J backend " + backend + " on " + device + " (" + threads + " threads, BLAS " + blasVendor
                    + "), native binary " + nativeLibrary + ", oneDNN " + (oneDnn ? "active" : "inactive")
                    + ", DL4J layer helpers " + (layerHelpersEnabled ? "enabled" : "disabled");
        }
    }

    /** Idempotent and thread-safe; the first call loads the native backend and logs one summary line. */
    public static Info configure() {
        Info current = info;
        if (current != null) {
            return current;
        }
        synchronized (NativeBackend.class) {
            if (info == null) {
                if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
                    System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
                }
                boolean helpers = !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY));
                Nd4j.getEnvironment().allowHelpers(helpers);
                var environment = Nd4j.getExecutioner().getEnvironmentInformation();
                String backend = environment.getProperty("backend", "unknown");
                String device = "CPU".equalsIgnoreCase(backend)
                        ? environment.getOrDefault("cores", "?") + " CPU cores"
                        : String.valueOf(environment.getOrDefault("cuda.devicesInformation", "GPU"));
                info = new Info(backend, loadedNativeLibrary(), Nd4jCpu.Environment.getInstance().isUseMKLDNN(),
                        helpers, environment.getProperty("blas.vendor", "unknown"), device,
                        Integer.parseInt(String.valueOf(environment.getOrDefault("omp.threads", "0"))));
                log.info(info.describe());
                warnIfUnset("OMP_WAIT_POLICY", "PASSIVE", "idle OpenMP threads spin between batches");
                warnIfUnset("OPENBLAS_THREAD_TIMEOUT", "4", "OpenBLAS's worker thread spins after every matrix product");
                warnIfUnset("OPENBLAS_CORETYPE", "Haswell", "OpenBLAS may mistake this CPU for an SSE-only one");
                if (!info.oneDnn() && "CPU".equalsIgnoreCase(backend)) {
                    log.warn("oneDNN is not active: convolutions run on DL4J's slow built-in path");
                }
            }
            return info;
        }
    }

    /**
     * These settings are read by the native libraries when they load, so Java cannot apply them itself; it can
     * only say that the entry point (pom, image, deployment, bench script) forgot them.
     */
    private static void warnIfUnset(String variable, String recommended, String consequence) {
        if (System.getenv(variable) == null) {
            log.warn("environment variable {} is not set ({}); set {}={} before the JVM starts",
                    variable, consequence, variable, recommended);
        }
    }

    private static String loadedNativeLibrary() {
        for (Map.Entry<String, String> library : Loader.getLoadedLibraries().entrySet()) {
            if (library.getKey().startsWith("jnind4j")) {
                return library.getValue();
            }
        }
        return "unknown";
    }
}
