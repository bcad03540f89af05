package dev.digitserve.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.image.DigitImageReader;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.NumberImageReader;
import dev.digitserve.support.ExifImages;
import dev.digitserve.support.PhotoLikeImages;
import tools.jackson.databind.json.JsonMapper;

/**
 * Photo uploads through the service's own image pipeline and the shipped CNN (in process, no HTTP):
 * phone-like JPEGs of MNIST test digits stored upright and stored sideways with EXIF Orientation 6, and
 * numbers of 2 to 8 test digits read with {@link NumberImageReader}. Seeded, so a rerun gives the same
 * figures. Prints a table and writes JSON. Usage: {@code PhotoBenchmark <mnist dir> <models dir> [digits]
 * [numbers] [out.json]}; bench/photos.sh runs it.
 */
public final class PhotoBenchmark {
    /** The seed of the numbers set; PhotoUploadsIT reads the same set over HTTP. */
    public static final long NUMBERS_SEED = 2024;
    private PhotoBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        MnistDataset test = Mnist.test(Path.of(args[0]));
        Path model = Path.of(args[1], "cnn", "1", "model.zip");
        int digits = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int numbers = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        Map<String, Object> results = new LinkedHashMap<>();
        try (CnnEngine engine = CnnEngine.load(model)) {
            results.putAll(singleDigits(engine, test, digits));
            results.putAll(numbers(engine, test, numbers, true));
        }
        results.put("time", Instant.now().toString());
        String json = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(results);
        if (args.length > 4) {
            Files.createDirectories(Path.of(args[4]).toAbsolutePath().getParent());
            Files.writeString(Path.of(args[4]), json);
        }
        System.out.println(json);
    }

    /** Accuracy on phone-like JPEGs, upright and sideways with Orientation 6 (the same pictures). */
    public static Map<String, Object> singleDigits(CnnEngine engine, MnistDataset test, int count) {
        DigitImageReader reader = new DigitImageReader();
        Random random = new Random(19);
        int upright = 0;
        int sideways = 0;
        int sidewaysUntagged = 0;
        for (int n = 0; n < count; n++) {
            int index = random.nextInt(test.count());
            var photo = PhotoLikeImages.digit(test, index, random);
            byte[] uprightJpeg = PhotoLikeImages.jpeg(photo, 0.6f);
            byte[] storedJpeg = PhotoLikeImages.jpeg(ExifImages.stored(photo, 6), 0.6f);
            byte[] taggedJpeg = ExifImages.withApp1(storedJpeg, ExifImages.orientationTiff(6, false));
            upright += predict(engine, reader, uprightJpeg) == test.label(index) ? 1 : 0;
            sideways += predict(engine, reader, taggedJpeg) == test.label(index) ? 1 : 0;
            sidewaysUntagged += predict(engine, reader, storedJpeg) == test.label(index) ? 1 : 0;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("digits", count);
        out.put("uprightAccuracy", (double) upright / count);
        out.put("sidewaysOrientation6Accuracy", (double) sideways / count);
        out.put("sidewaysWithoutTagAccuracy", (double) sidewaysUntagged / count);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "phone-like JPEG, upright", count, (double) upright / count);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "phone-like JPEG, sideways + Orientation 6", count, (double) sideways / count);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "(peer) the same sideways, tag stripped", count, (double) sidewaysUntagged / count);
        return out;
    }

    private static int predict(CnnEngine engine, DigitImageReader reader, byte[] jpeg) {
        try {
            return ClassificationMetrics.argmax(engine.predict(reader.toMnistInput(jpeg, "image/jpeg"), 1), 10, 0);
        } catch (InvalidImageException e) {
            return -1;
        }
    }

    /** Whole-number and per-digit accuracy of reading numbers of 2 to 8 digits. */
    public static Map<String, Object> numbers(CnnEngine engine, MnistDataset test, int count, boolean print) {
        NumberImageReader reader = new NumberImageReader(16_000_000L);
        int exact = 0;
        int rightLength = 0;
        long digits = 0;
        long edits = 0;
        int touchingGaps = 0;
        int touchingExact = 0;
        int numbersWithTouch = 0;
        for (PhotoLikeImages.Number number : PhotoLikeImages.numbers(test, NUMBERS_SEED, count)) {
            int length = number.text().length();
            String read = read(engine, reader, PhotoLikeImages.jpeg(number.image(), 0.6f));
            boolean ok = read.equals(number.text());
            exact += ok ? 1 : 0;
            rightLength += read.length() == number.text().length() ? 1 : 0;
            digits += length;
            edits += Math.min(length, editDistance(read, number.text()));
            touchingGaps += number.touching();
            if (number.touching() > 0) {
                numbersWithTouch++;
                touchingExact += ok ? 1 : 0;
            }
            if (print && !ok) {
                System.out.println("  misread: " + number.text() + " as " + read);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("numbers", count);
        out.put("digitsInNumbers", digits);
        out.put("wholeNumberAccuracy", (double) exact / count);
        out.put("digitCountRight", (double) rightLength / count);
        out.put("perDigitAccuracy", 1 - (double) edits / digits);
        out.put("touchingGaps", touchingGaps);
        out.put("numbersWithTouchingDigits", numbersWithTouch);
        out.put("wholeNumberAccuracyWithTouching", numbersWithTouch == 0 ? null : (double) touchingExact / numbersWithTouch);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "numbers of 2-8 digits read exactly", count, (double) exact / count);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "  of which with touching digits", numbersWithTouch,
                numbersWithTouch == 0 ? Double.NaN : (double) touchingExact / numbersWithTouch);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "digits right (1 - edit distance / digits)", digits, 1 - (double) edits / digits);
        System.out.printf(Locale.ROOT, "%-44s %6d  %.3f%n", "digit count right", count, (double) rightLength / count);
        return out;
    }

    private static String read(CnnEngine engine, NumberImageReader reader, byte[] jpeg) {
        try {
            NumberImageReader.Digits digits = reader.read(jpeg, "image/jpeg", 32);
            float[] outputs = engine.predict(digits.pixels(), digits.count());
            StringBuilder text = new StringBuilder();
            for (int i : digits.choose(outputs, 10, true)) {
                text.append(ClassificationMetrics.argmax(outputs, 10, i));
            }
            return text.toString();
        } catch (InvalidImageException e) {
            return "";
        }
    }

    /** Levenshtein distance: digits missed, added or misread. */
    public static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
