package dev.digitserve.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The versions of the libraries that trained a model, read from the build's {@code build-info.properties}. */
public final class LibraryVersions {
    private LibraryVersions() {
    }

    public static Map<String, String> current() {
        Properties build = new Properties();
        try (InputStream in = LibraryVersions.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException ignored) {
            // versions then read "unknown"; a model card is still worth writing
        }
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("digitserve", build.getProperty("build.version", "unknown"));
        versions.put("deeplearning4j", build.getProperty("build.dl4j.version", "unknown"));
        versions.put("nd4j", build.getProperty("build.nd4j.backend", "unknown") + " "
                + build.getProperty("build.nd4j.classifier", ""));
        versions.put("javacpp", build.getProperty("build.javacpp.version", "unknown"));
        versions.put("java", System.getProperty("java.version"));
        return versions;
    }
}
