package dev.digitserve.image;

import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Makes sure ImageIO knows the readers of every {@link ImageFormat#accepted() accepted format}. ImageIO
 * registers plugins found through the context class loader of the thread that first touches it; in a
 * Spring Boot executable jar that may be a loader that cannot see the TwelveMonkeys WebP and TIFF plugins,
 * so a missing reader triggers one rescan with this class's loader. Idempotent and thread-safe.
 */
public final class ImageIoPlugins {
    private static volatile boolean checked;

    private ImageIoPlugins() {
    }

    public static void ensureRegistered() {
        if (checked) {
            return;
        }
        synchronized (ImageIoPlugins.class) {
            if (!checked) {
                if (!allReadable()) {
                    Thread thread = Thread.currentThread();
                    ClassLoader previous = thread.getContextClassLoader();
                    thread.setContextClassLoader(ImageIoPlugins.class.getClassLoader());
                    try {
                        ImageIO.scanForPlugins();
                    } finally {
                        thread.setContextClassLoader(previous);
                    }
                }
                checked = true;
            }
        }
    }

    private static boolean allReadable() {
        for (ImageFormat format : ImageFormat.accepted()) {
            if (!ImageIO.getImageReadersByFormatName(format.imageIoName().toLowerCase(Locale.ROOT)).hasNext()) {
                return false;
            }
        }
        return true;
    }
}
