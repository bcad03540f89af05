package dev.digitserve.support;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Writes EXIF orientation into test images by hand, from the EXIF 2.3 / TIFF 6.0 layout, so that tests do
 * not depend on the library under test to produce their input.
 */
public final class ExifImages {
    private ExifImages() {
    }

    /** A TIFF structure with one IFD holding only the Orientation tag (0x0112, SHORT). */
    public static byte[] orientationTiff(int orientation, boolean bigEndian) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        tiff.put(bigEndian ? (byte) 'M' : (byte) 'I').put(bigEndian ? (byte) 'M' : (byte) 'I');
        tiff.putShort((short) 42).putInt(8);           // magic, offset of IFD0
        tiff.putShort((short) 1);                      // one entry
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1);
        tiff.putShort((short) orientation).putShort((short) 0); // value, left-justified in 4 bytes
        tiff.putInt(0);                                // no next IFD
        return tiff.array();
    }

    /** {@code jpeg} with an APP1 "Exif" segment holding {@code tiff} inserted right after SOI. */
    public static byte[] withApp1(byte[] jpeg, byte[] tiff) {
        byte[] preamble = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + preamble.length + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xff);
        out.write(0xe1);
        out.write(length >> 8);
        out.write(length & 0xff);
        out.writeBytes(preamble);
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** {@code png} with an {@code eXIf} chunk holding {@code tiff} inserted right after IHDR. */
    public static byte[] withExifChunk(byte[] png, byte[] tiff) {
        int afterHeader = 8 + 4 + 4 + 13 + 4;
        ByteBuffer chunk = ByteBuffer.allocate(12 + tiff.length);
        chunk.putInt(tiff.length).put("eXIf".getBytes(StandardCharsets.US_ASCII)).put(tiff);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + tiff.length);
        chunk.putInt((int) crc.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterHeader);
        out.writeBytes(chunk.array());
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }

    /**
     * The stored pixels of a picture that, tagged with {@code orientation}, is viewed as {@code viewed}.
     * Written from the tag's definition (where the stored 0th row and 0th column are shown), not from the
     * code under test.
     */
    public static BufferedImage stored(BufferedImage viewed, int orientation) {
        int vw = viewed.getWidth();
        int vh = viewed.getHeight();
        boolean swap = orientation >= 5;
        int sw = swap ? vh : vw;
        int sh = swap ? vw : vh;
        BufferedImage stored = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB);
        for (int sy = 0; sy < sh; sy++) {
            for (int sx = 0; sx < sw; sx++) {
                // where stored pixel (sx, sy) is shown
                int vx;
                int vy;
                switch (orientation) {
                    case 1 -> { vx = sx; vy = sy; }                       // row 0 top, column 0 left
                    case 2 -> { vx = vw - 1 - sx; vy = sy; }              // row 0 top, column 0 right
                    case 3 -> { vx = vw - 1 - sx; vy = vh - 1 - sy; }     // row 0 bottom, column 0 right
                    case 4 -> { vx = sx; vy = vh - 1 - sy; }              // row 0 bottom, column 0 left
                    case 5 -> { vx = sy; vy = sx; }                       // row 0 left, column 0 top
                    case 6 -> { vx = vw - 1 - sy; vy = sx; }              // row 0 right, column 0 top
                    case 7 -> { vx = vw - 1 - sy; vy = vh - 1 - sx; }     // row 0 right, column 0 bottom
                    case 8 -> { vx = sy; vy = vh - 1 - sx; }              // row 0 left, column 0 bottom
                    default -> throw new IllegalArgumentException("orientation " + orientation);
                }
                stored.setRGB(sx, sy, viewed.getRGB(vx, vy));
            }
        }
        return stored;
    }
}
