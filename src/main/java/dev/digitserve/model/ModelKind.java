package dev.digitserve.model;

import java.util.Locale;

/** The two model families; the name is what model cards and the API call them. */
public enum ModelKind {
    /** DL4J network, {@code model.zip}; outputs probabilities. */
    CNN("model.zip"),
    /** Folded Lasso pipeline, {@code weights.json}; outputs raw scores. */
    LASSO("weights.json");

    private final String weightsFile;

    ModelKind(String weightsFile) {
        this.weightsFile = weightsFile;
    }

    public String weightsFile() {
        return weightsFile;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ModelKind fromId(String id) {
        for (ModelKind kind : values()) {
            if (kind.id().equals(id)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown model kind '" + id + "' (expected cnn or lasso)");
    }
}
