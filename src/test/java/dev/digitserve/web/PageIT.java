package dev.digitserve.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.support.PhotoLikeImages;
import dev.digitserve.support.TestImages;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * The page in headless Chromium against the whole service on a real port with the shipped models: a 7
 * drawn with pointer moves, a real MNIST test digit uploaded as a PNG, the preprocessed view, a photo of a
 * number read with each digit's box and label drawn over it, the models
 * view with its confusion heat maps, and a training job followed live. Any console error or failed request
 * (Chromium logs both as SEVERE browser log entries) fails the test. Screenshots go to
 * {@code target/page-screenshots/}.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} ({@code .ci/run} installs them). Both
 * paths are given explicitly, so Selenium Manager is never asked to find or download anything.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "digitserve.security.allow-anonymous-writes=true")
class PageIT {
    private static final String CHROMIUM = System.getProperty("digitserve.test.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("digitserve.test.chromedriver", "/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "page-screenshots");
    private static final Duration ANSWER = Duration.ofSeconds(30);

    private static final Path MODELS = TestModels.temporaryRepository("digitserve-page", root ->
            TestModels.copyShipped(root, "cnn/1", "lasso/1"));

    private static Path profile;
    private static ChromeDriver browser;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
        registry.add("digitserve.training.data-dir", () -> TestData.mnistDir().toString());
    }

    @BeforeAll
    static void startBrowser() throws IOException {
        assertThat(new File(CHROMIUM).canExecute()).as("Debian's chromium (apt-get install chromium)").isTrue();
        assertThat(new File(CHROMEDRIVER).canExecute()).as("Debian's chromedriver (apt-get install chromium-driver)").isTrue();
        profile = Files.createTempDirectory("digitserve-chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,900");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
        // the console guard below is only worth something if console errors do reach the log
        browser.get("data:text/html,<script>console.error('console-probe')</script>");
        assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
                .anySatisfy(entry -> assertThat(entry.getMessage()).contains("console-probe"));
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            org.springframework.util.FileSystemUtils.deleteRecursively(profile);
        }
    }

    @BeforeEach
    void desktop() {
        browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        browser.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", false));
        browser.manage().window().setSize(new Dimension(1280, 900));
        browser.manage().logs().get(LogType.BROWSER);   // drop what an earlier test left
    }

    /** Every test ends with a clean console: no error logged by the page, no request that failed. */
    @AfterEach
    void noConsoleErrorsOrFailedRequests(TestInfo test) {
        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
        assertThat(severe).as("console errors and failed requests during %s", test.getDisplayName()).isEmpty();
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, ANSWER);
    }

    private void open(String fragment) {
        browser.get("http://127.0.0.1:" + port + "/" + fragment);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid='result-cnn']")));
    }

    private WebElement byTestId(String id) {
        return browser.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    /** Waits for a model's card to show an answer and returns its predicted label. */
    private String answerOf(String model) {
        WebElement result = byTestId("result-" + model);
        waiting().until(ExpectedConditions.attributeToBe(result, "data-state", "done"));
        return result.findElement(By.cssSelector("[data-role='predicted']")).getText();
    }

    /**
     * Draws a 7 (top bar, then the diagonal) as one stroke of small pointer moves with the given pointer
     * (mouse, touch or pen), in fractions of the pad; the origin of element moves is the pad's centre.
     */
    private void drawSeven(WebElement pad, PointerInput.Kind kind) {
        double[][] path = {{0.2, 0.18}, {0.4, 0.18}, {0.6, 0.18}, {0.8, 0.18}, {0.72, 0.35}, {0.64, 0.52},
                {0.56, 0.68}, {0.48, 0.85}};
        int w = pad.getRect().getWidth();
        int h = pad.getRect().getHeight();
        PointerInput pointer = new PointerInput(kind, kind.name().toLowerCase(java.util.Locale.ROOT));
        Sequence stroke = new Sequence(pointer, 0);
        for (int i = 0; i < path.length; i++) {
            stroke.addAction(pointer.createPointerMove(Duration.ofMillis(i == 0 ? 0 : 30), PointerInput.Origin.fromElement(pad),
                    (int) (path[i][0] * w - w / 2.0), (int) (path[i][1] * h - h / 2.0)));
            if (i == 0) {
                stroke.addAction(pointer.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
            }
        }
        stroke.addAction(pointer.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
        browser.perform(List.of(stroke));
    }

    /** Pixels of the drawing pad darker than mid-grey. */
    private long inkOnPad() {
        Object dark = ((JavascriptExecutor) browser).executeScript("""
                const c = document.querySelector("[data-testid='pad']");
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
                return n;""");
        return ((Number) dark).longValue();
    }

    /** Sum of the grey levels of a canvas, read in the page: zero for an empty preprocessed view. */
    private long inkOf(String testId) {
        Object sum = ((JavascriptExecutor) browser).executeScript("""
                const c = document.querySelector(arguments[0]);
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let s = 0;
                for (let i = 0; i < d.length; i += 4) s += d[i];
                return s;""", "[data-testid='" + testId + "']");
        return ((Number) sum).longValue();
    }

    /** Visible elements that reach past the right edge of the window (the page would scroll sideways). */
    @SuppressWarnings("unchecked")
    private List<String> overflowing() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("""
                const width = document.documentElement.clientWidth;
                return [...document.querySelectorAll('body *')]
                  .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
                  .map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined
                      ? '.' + e.className : '') + ' right=' + Math.round(e.getBoundingClientRect().right)
                      + ' window=' + width);""");
    }

    /** The whole page, not only the viewport, through Chromium's own capture (DevTools protocol via chromedriver). */
    private void screenshot(String name) throws IOException {
        @SuppressWarnings("unchecked")
        List<Number> size = (List<Number>) ((JavascriptExecutor) browser).executeScript(
                "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];");
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", size.get(0),
                        "height", size.get(1), "scale", 1)));
        Files.write(SCREENSHOTS.resolve(name + ".png"), Base64.getDecoder().decode((String) shot.get("data")));
    }

    @Test
    void aSevenDrawnOnThePadWithMouseOrPenIsASevenForTheCnnAndEveryModelAnswers() throws IOException {
        open("");
        drawSeven(byTestId("pad"), PointerInput.Kind.MOUSE);

        assertThat(answerOf("cnn")).isEqualTo("7");
        assertThat(byTestId("result-cnn").getText()).contains("7").contains("cnn version 1").contains("Probabilities");
        // the Lasso answers too, with its scores labelled as such (its digit is often wrong: LRAP 0.48)
        answerOf("lasso");
        assertThat(byTestId("result-lasso").getText()).contains("Scores").contains("lasso version 1");
        waiting().until(ExpectedConditions.visibilityOf(byTestId("seen-cnn")));
        assertThat(inkOf("seen-cnn")).as("ink in the preprocessed view").isPositive();
        assertThat(byTestId("seen-lasso").isDisplayed()).isTrue();
        screenshot("desktop-draw");

        byTestId("clear").click();
        assertThat(byTestId("result-cnn").getAttribute("data-state")).isEqualTo("empty");
        assertThat(byTestId("seen-cnn").isDisplayed()).isFalse();
        assertThat(inkOnPad()).as("dark pixels on the pad after Clear").isZero();

        // the keyboard way: Escape on the focused pad clears it too
        drawSeven(byTestId("pad"), PointerInput.Kind.PEN);
        assertThat(answerOf("cnn")).isEqualTo("7");
        byTestId("pad").sendKeys(Keys.ESCAPE);
        assertThat(byTestId("result-cnn").getAttribute("data-state")).isEqualTo("empty");
        assertThat(inkOnPad()).isZero();
    }

    @Test
    void anUploadedPngOfARealTestDigitIsRecognised() throws IOException {
        MnistDataset test = TestData.testSet();
        int index = 1;
        Path png = Files.createTempFile("mnist-test-" + index + "-label-" + test.label(index), ".png");
        Files.write(png, TestImages.png(TestImages.blackOnWhite(test.floats(index, index + 1), 280)));
        open("");

        byTestId("upload").sendKeys(png.toAbsolutePath().toString());

        assertThat(answerOf("cnn")).isEqualTo(Integer.toString(test.label(index)));
        waiting().until(ExpectedConditions.visibilityOf(byTestId("seen-cnn")));
        assertThat(inkOf("seen-cnn")).isPositive();
        answerOf("lasso");
        Files.deleteIfExists(png);
    }

    @Test
    void aPhotoOfANumberIsReadAndEachDigitIsBoxedWithItsLabelAboveIt() throws IOException {
        MnistDataset test = TestData.testSet();
        PhotoLikeImages.Number number = PhotoLikeImages.number(test, new int[] {0, 1, 2, 3}, new Random(19));
        Path jpeg = Files.createTempFile("number-" + number.text(), ".jpg");
        Files.write(jpeg, PhotoLikeImages.jpeg(number.image(), 0.6f));
        open("");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#read-model option[value='cnn']")));
        new Select(byTestId("read-model")).selectByValue("cnn");

        byTestId("read-upload").sendKeys(jpeg.toAbsolutePath().toString());

        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid='read-box']")));
        assertThat(byTestId("read-text").getText()).isEqualTo(number.text());
        List<WebElement> boxes = browser.findElements(By.cssSelector("[data-testid='read-box']"));
        List<WebElement> labels = browser.findElements(By.cssSelector("[data-testid='read-label']"));
        assertThat(boxes).hasSize(number.text().length());
        assertThat(labels.stream().map(WebElement::getText).reduce("", String::concat)).isEqualTo(number.text());
        int previousRight = 0;
        for (int i = 0; i < boxes.size(); i++) {
            org.openqa.selenium.Rectangle box = boxes.get(i).getRect();
            org.openqa.selenium.Rectangle label = labels.get(i).getRect();
            assertThat(boxes.get(i).isDisplayed()).isTrue();
            assertThat(box.getWidth()).isPositive();
            assertThat(box.getHeight()).isGreaterThan(box.getWidth() / 4);
            // the digits' boxes are side by side, each label centred above its own box
            if (i > 0) {
                assertThat(box.getX()).isGreaterThanOrEqualTo(previousRight - box.getWidth() / 4);
            }
            previousRight = box.getX() + box.getWidth();
            assertThat(label.getY() + label.getHeight()).isLessThanOrEqualTo(box.getY() + 2);
            assertThat(label.getX() + label.getWidth() / 2).isBetween(box.getX(), box.getX() + box.getWidth());
        }
        // the boxes lie on the picture as shown: inside the figure's bounds
        org.openqa.selenium.Rectangle picture = browser.findElement(By.cssSelector(".read-picture")).getRect();
        assertThat(boxes.get(0).getRect().getX()).isGreaterThanOrEqualTo(picture.getX());
        assertThat(previousRight).isLessThanOrEqualTo(picture.getX() + picture.getWidth());
        screenshot("desktop-read");
        Files.deleteIfExists(jpeg);
    }

    @Test
    void atPhoneWidthThePageFitsAndStillAnswers() throws IOException {
        // a phone's viewport (overlay scrollbars, touch), not just a narrow desktop window
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 375, "height", 812, "deviceScaleFactor", 1, "mobile", true));
        browser.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", true));
        open("");
        assertThat(overflowing()).as("elements wider than the window at 375 px").isEmpty();

        drawSeven(byTestId("pad"), PointerInput.Kind.TOUCH);

        assertThat(answerOf("cnn")).isEqualTo("7");
        screenshot("phone-draw");
        browser.get("http://127.0.0.1:" + port + "/#models");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid='confusion-cnn']")));
        assertThat(overflowing()).as("elements of the models view wider than the window at 375 px").isEmpty();
        screenshot("phone-models");
    }

    @Test
    void theModelsViewShowsCardsAndConfusionHeatMaps() throws IOException {
        open("");
        browser.findElement(By.linkText("Models")).click();

        WebElement heat = waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid='confusion-cnn']")));
        assertThat(heat.findElements(By.tagName("rect"))).hasSize(100);
        assertThat(byTestId("confusion-lasso").findElements(By.tagName("rect"))).hasSize(100);
        // the figures are the shipped card's (models/cnn/1/model.json)
        String cnn = byTestId("figures-cnn").getText();
        assertThat(cnn).contains("99.17 %").contains("0.9956").contains("Adadelta").contains("47 min");
        assertThat(byTestId("figures-lasso").getText()).contains("29.63 %").contains("scores are not probabilities");
        screenshot("desktop-models");
    }

    @Test
    void aTrainingJobIsFollowedLiveWithOnePointPerEpoch() throws IOException {
        open("#models");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid='confusion-cnn']")));
        HttpTestClient http = new HttpTestClient(port);
        HttpTestClient.Response started = http.postJson("/api/v1/training-jobs",
                "{\"model\": \"cnn\", \"epochs\": 3, \"trainingSamples\": 512, \"promote\": false}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().get("id").asString();

        browser.findElement(By.id("refresh-models")).click();

        waiting().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[data-testid='job-" + id + "']")));
        new WebDriverWait(browser, Duration.ofMinutes(2)).until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-testid='job-" + id + "']"), "SUCCEEDED"));
        JsonNode finished = http.get("/api/v1/training-jobs/" + id).json();
        assertThat(finished.get("state").asString()).isEqualTo("SUCCEEDED");
        // the epochs before the last were only ever visible on the event stream while the job ran
        WebElement chart = byTestId("job-chart-" + id);
        assertThat(chart.getAttribute("aria-label")).contains("epoch 1 ").contains("epoch 2 ").contains("epoch 3 ");
        assertThat(chart.findElements(By.tagName("circle"))).hasSize(6);
        screenshot("desktop-training");
    }
}
