package dev.digitserve.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import javax.imageio.ImageIO;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.NumberImageReader;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.support.PhotoLikeImages;

/**
 * A look at why numbers are misread. Prints, on three seeded sets (bench/photos.sh's 2024 x 200, the older
 * IT-style 1919 x 100, and 4242 x 200 held out), the share read exactly, next to the share whose digits the
 * model classifies right when handed the original 28 x 28 MNIST images (the ceiling that segmentation and
 * preprocessing cannot beat). For every number of the first set not read exactly it writes one PNG to the
 * output directory: the photo with the chosen digits' boxes (green) and the other candidates (red), and
 * under it, per slot, the candidate inputs (28 x 28, enlarged) with the model's label and probability and
 * the piece's nodes and shape prior. Usage: {@code NumberFailureDump <mnist dir> <models dir> <numbers> <out dir>}.
 */
public final class NumberFailureDump {
    private static final int CELL = 84;

    private NumberFailureDump() {
    }

    record Case(int n, BufferedImage image, byte[] jpeg, String text, int[] indices) {
    }

    static java.util.List<Case> set(MnistDataset test, long seed, int count, boolean itStyle) {
        Random random = new Random(seed);
        java.util.List<Case> cases = new java.util.ArrayList<>();
        for (int n = 0; n < count; n++) {
            int[] indices;
            if (itStyle) {
                indices = random.ints(2 + random.nextInt(7), 0, test.count()).toArray();
            } else {
                int length = 2 + random.nextInt(7);
                indices = new int[length];
                for (int i = 0; i < length; i++) {
                    indices[i] = random.nextInt(test.count());
                }
            }
            PhotoLikeImages.Number number = PhotoLikeImages.number(test, indices, random);
            cases.add(new Case(n, number.image(), PhotoLikeImages.jpeg(number.image(), 0.6f), number.text(), indices));
        }
        return cases;
    }

    public static void main(String[] args) throws Exception {
        MnistDataset test = Mnist.test(Path.of(args[0]));
        int count = Integer.parseInt(args[2]);
        Path out = Files.createDirectories(Path.of(args[3]));
        NumberImageReader reader = new NumberImageReader(16_000_000L);
        java.util.List<java.util.List<Case>> sets = java.util.List.of(set(test, 2024, count, false),
                set(test, 1919, 100, true), set(test, 4242, 200, false));
        String[] configs = {"numbers read exactly (sets: 2024 x200, 1919 x100 IT-style, 4242 x200)"};
        try (CnnEngine engine = CnnEngine.load(Path.of(args[1], "cnn", "1", "model.zip"))) {
            StringBuilder oracle = new StringBuilder("model on the original MNIST digits, numbers all right:");
            for (var cases : sets) {
                int right = 0;
                for (Case cs : cases) {
                    float[] pixels = new float[cs.indices().length * 784];
                    for (int i = 0; i < cs.indices().length; i++) {
                        for (int p = 0; p < 784; p++) {
                            pixels[i * 784 + p] = test.pixel(cs.indices()[i], p);
                        }
                    }
                    float[] o = engine.predict(pixels, cs.indices().length);
                    boolean all = true;
                    for (int i = 0; i < cs.indices().length; i++) {
                        all &= ClassificationMetrics.argmax(o, 10, i) == test.label(cs.indices()[i]);
                    }
                    right += all ? 1 : 0;
                }
                oracle.append(String.format(Locale.ROOT, "  %.3f", right / (double) cases.size()));
            }
            System.out.println(oracle);
            for (int c = 0; c < configs.length; c++) {
                StringBuilder line = new StringBuilder(configs[c] + " ->");
                long inputs = 0;
                for (int k = 0; k < sets.size(); k++) {
                    int exact = 0;
                    for (Case cs : sets.get(k)) {
                        String text;
                        NumberImageReader.Digits digits = null;
                        float[] outputs = null;
                        int[] chosen = null;
                        try {
                            digits = reader.read(cs.jpeg(), "image/jpeg", 32);
                            outputs = engine.predict(digits.pixels(), digits.count());
                            inputs += digits.count();
                            chosen = digits.choose(outputs, 10, true);
                            StringBuilder t = new StringBuilder();
                            for (int i : chosen) {
                                t.append(ClassificationMetrics.argmax(outputs, 10, i));
                            }
                            text = t.toString();
                        } catch (InvalidImageException e) {
                            text = "";
                        }
                        boolean ok = text.equals(cs.text());
                        exact += ok ? 1 : 0;
                        if (!ok && k == 0 && c == configs.length - 1 && digits != null) {
                            String name = String.format(Locale.ROOT, "%03d-%s-as-%s.png", cs.n(), cs.text(), text);
                            ImageIO.write(render(cs.image(), digits, outputs, chosen), "png", out.resolve(name).toFile());
                            System.out.println(name);
                        }
                    }
                    line.append(String.format(Locale.ROOT, "  %.3f", exact / (double) sets.get(k).size()));
                }
                System.out.println(line + "  inputs " + inputs);
            }
        }
    }

    private static BufferedImage render(BufferedImage photo, NumberImageReader.Digits digits, float[] outputs,
                                        int[] chosen) {
        int rows = digits.slots().size();
        int widest = 0;
        for (var slot : digits.slots()) {
            widest = Math.max(widest, Math.min(16, slot.edges().size()));
        }
        int width = Math.max(photo.getWidth(), widest * CELL);
        int height = photo.getHeight() + rows * (CELL + 30);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, width, height);
        g.drawImage(photo, 0, 0, null);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        java.util.Set<Integer> picked = new java.util.HashSet<>();
        for (int i : chosen) {
            picked.add(i);
        }
        for (int i = 0; i < digits.count(); i++) {
            int[] box = digits.boxes().get(i);
            g.setColor(picked.contains(i) ? Color.GREEN.darker() : new Color(255, 0, 0, 140));
            g.setStroke(new BasicStroke(picked.contains(i) ? 2 : 1));
            g.drawRect(box[0], box[1], box[2], box[3]);
            if (picked.contains(i)) {
                g.drawString(ClassificationMetrics.argmax(outputs, 10, i) + "", box[0] + 2, box[1] - 3);
            }
        }
        int y = photo.getHeight();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (var slot : digits.slots()) {
            int x = 0;
            for (var edge : slot.edges()) {
                {
                    int input = edge.segment();
                    if (x >= width) {
                        break;
                    }
                    for (int p = 0; p < 784; p++) {
                        int v = Math.round(255 * digits.pixels()[input * 784 + p]);
                        g.setColor(new Color(v, v, v));
                        g.fillRect(x + (p % 28) * 3, y + 14 + (p / 28) * 3, 3, 3);
                    }
                    int label = ClassificationMetrics.argmax(outputs, 10, input);
                    g.setColor(picked.contains(input) ? Color.GREEN : Color.ORANGE);
                    g.drawString(String.format(Locale.ROOT, "%d %.2f", label, outputs[input * 10 + label]), x + 2, y + 11);
                    g.drawString(String.format(Locale.ROOT, "%d-%d %.1f", edge.from(), edge.to(), edge.prior()), x + 2, y + CELL + 14);
                    x += CELL;
                }
            }
            y += CELL + 30;
        }
        g.dispose();
        return image;
    }
}
