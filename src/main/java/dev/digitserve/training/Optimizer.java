package dev.digitserve.training;

import java.util.Locale;

import org.nd4j.linalg.learning.config.AdaDelta;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * How the CNN's weights are updated. {@link #ADADELTA} is the reference recipe's (Adadelta with the
 * parameters' rho and epsilon, no learning rate); {@code adam} is Adam whose learning rate starts at
 * {@code learningRate} and is multiplied by {@code decayPerEpoch} after every epoch.
 *
 * <p>Why Adam with a decay exists: with artificial data the network sees a harder, never-repeating training set,
 * and the reference Adadelta run (12 epochs, constant step) stops before it has settled (0.9919 on the test
 * set with augmentation, no better than without). A step that shrinks epoch by epoch lets the later epochs
 * settle the weights. The decay is applied by DL4J's epoch counter, which {@link CnnTrainer} advances at the end
 * of every epoch.
 */
public record Optimizer(String name, double learningRate, double decayPerEpoch) {
    public static final Optimizer ADADELTA = new Optimizer("adadelta", 1.0, 1.0);

    public Optimizer {
        if (!"adadelta".equals(name) && !"adam".equals(name)) {
            throw new IllegalArgumentException("optimizer must be adadelta or adam, not " + name);
        }
        if (!(learningRate > 0) || !(decayPerEpoch > 0) || decayPerEpoch > 1) {
            throw new IllegalArgumentException(
                    "learning rate must be positive and the decay per epoch in (0, 1], not " + learningRate + " and "
                            + decayPerEpoch);
        }
    }

    public static Optimizer adam(double learningRate, double decayPerEpoch) {
        return new Optimizer("adam", learningRate, decayPerEpoch);
    }

    /** DL4J's updater for this optimizer; rho and epsilon are Adadelta's (Adam keeps its own defaults). */
    IUpdater updater(double rho, double epsilon) {
        if ("adadelta".equals(name)) {
            return new AdaDelta.Builder().rho(rho).epsilon(epsilon).build();
        }
        return new Adam(new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decayPerEpoch));
    }

    /** One line for the model card, e.g. {@code Adam(lr=0.001, decay per epoch=0.8)}. */
    String describe(double rho, double epsilon) {
        if ("adadelta".equals(name)) {
            return "Adadelta(rho=" + rho + ", epsilon=" + epsilon + ")";
        }
        return String.format(Locale.ROOT, "Adam(lr=%s, decay per epoch=%s)", learningRate, decayPerEpoch);
    }
}
