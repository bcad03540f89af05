package dev.digitserve.datasets;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import dev.digitserve.support.TestImages;

/** Builds the uploads the dataset tests send: drawn symbols, zips (friendly and hostile), IDX pairs, multipart bodies. */
final class DatasetUploads {
    static final String BOUNDARY = "datasetboundary7b3f";

    private DatasetUploads() {
    }

    /** A hand-drawn-looking '+' (or 'x' when {@code cross}), black on white, with seeded jitter. */
    static byte[] symbol(boolean cross, Random random) {
        int side = 64;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, side, side);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(4 + random.nextFloat() * 4, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        double cx = side / 2.0 + random.nextGaussian() * 3;
        double cy = side / 2.0 + random.nextGaussian() * 3;
        double arm = 16 + random.nextDouble() * 10;
        double tilt = (cross ? Math.PI / 4 : 0) + random.nextGaussian() * 0.12;
        for (int stroke = 0; stroke < 2; stroke++) {
            double angle = tilt + stroke * Math.PI / 2;
            double dx = Math.cos(angle) * arm;
            double dy = Math.sin(angle) * arm;
            g.drawLine((int) (cx - dx), (int) (cy - dy), (int) (cx + dx), (int) (cy + dy));
        }
        g.dispose();
        return TestImages.png(image);
    }

    interface ZipContent {
        void write(ZipOutputStream zip) throws IOException;
    }

    static byte[] zip(ZipContent content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            content.write(zip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(0x803).putInt(count).putInt(rows).putInt(cols)
                .put(pixels).array();
    }

    static byte[] idxLabels(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(0x801).putInt(labels.length).put(labels).array();
    }

    /** A multipart/form-data body: the name field, then (part name, bytes) pairs. */
    static byte[] multipart(String name, Object... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            if (name != null) {
                body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + name + "\r\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < parts.length; i += 2) {
                body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + parts[i]
                        + "\"; filename=\"" + parts[i] + ".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.write((byte[]) parts[i + 1]);
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body.toByteArray();
    }
}
