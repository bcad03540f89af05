package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility bridge for a renamed class between deeplearning4j-nn and nd4j-native 1.0.0-M2.1.
 *
 * <p>deeplearning4j-nn 1.0.0-M2.1 decides whether its oneDNN layer helpers may run
 * ({@code BaseMKLDNNHelper.mklDnnEnabled()}) by loading {@code org.nd4j.nativeblas.Nd4jCpu$Environment}
 * reflectively and calling {@code getInstance().isUseMKLDNN()}. nd4j-native 1.0.0-M2.1 moved that class
 * to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method to
 * {@code isUseONEDNN()}, so the lookup fails, DL4J logs one ERROR line, and every convolution, pooling
 * and batch-norm layer silently falls back to its pure-Java im2col path (about 5x slower here).
 *
 * <p>This class answers DL4J's lookup under the old name and forwards to the new one. It is the only
 * place in the project that knows about the rename; {@code dev.digitserve.inference.NativeBackend}
 * switches the helpers on and proves they are active. On a non-CPU backend the new class is absent
 * and the answer is {@code false}, which is what DL4J expects there. Remove this class when DL4J and
 * ND4J agree on the name again.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old-name view of the native environment: only what DL4J asks for. */
    public static final class Environment {
        private static final String RENAMED_CLASS = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether the loaded libnd4j binary was built with oneDNN and has it switched on. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> renamed = Class.forName(RENAMED_CLASS, true, Nd4jCpu.class.getClassLoader());
                Object environment = renamed.getMethod("getInstance").invoke(null);
                Method isUseOneDnn = renamed.getMethod("isUseONEDNN");
                return (Boolean) isUseOneDnn.invoke(environment);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
