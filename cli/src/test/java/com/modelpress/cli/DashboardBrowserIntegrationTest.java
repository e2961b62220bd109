package com.modelpress.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium against the standalone platform (embedded PostgreSQL and broker, the API
 * and a worker in this JVM): sign in, submit a model through the form, watch the job finish in the list over its
 * event stream, open its page, report and download; a wrong key; a phone-width screen; the submit form with the
 * keyboard alone. Skipped when chromium or chromedriver is missing. The platform takes tens of seconds to start, the
 * browser's part about half a minute.
 */
class DashboardBrowserIntegrationTest {

    private static final String KEY = "mp_test_admin_dashboard_0123456789abcdef01";
    private static final Duration JOB_WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static StandalonePlatform platform;
    private static HeadlessChromium chromium;
    private static String base;
    private static Path model;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    final HeadlessChromium.ScreenshotOnFailure screenshots = new HeadlessChromium.ScreenshotOnFailure(() -> chromium);

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.assumeInstalled();
        int port = LocalPorts.free();
        base = LocalPorts.url(port);
        model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        platform = StandalonePlatform.start(dir.resolve("data"), port, KEY, new PrintWriter(new StringWriter()));
        chromium = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    @BeforeEach
    void signedOut() {
        chromium.viewport(1280, 900);
        chromium.driver().get(base + "/");
        chromium.script("sessionStorage.clear();");
        chromium.driver().get(base + "/");
    }

    @Test
    void signsInSubmitsAJobWatchesItFinishAndDownloadsTheModel() throws Exception {
        WebDriver driver = chromium.driver();
        signIn(KEY);
        // the list's status badges, as they change, from now on (a reload would lose this array)
        chromium.script("""
                window.statusLog = [];
                new MutationObserver(() => {
                  for (const item of document.querySelectorAll('#job-list li')) {
                    window.statusLog.push(item.dataset.jobId + ' ' + item.dataset.status);
                  }
                }).observe(document.getElementById('job-list'), {subtree: true, childList: true, characterData: true, attributes: true});
                // the event streams the page opens (fetch with Accept: text/event-stream)
                window.streamed = [];
                const fetchFirst = window.fetch;
                window.fetch = (input, init) => {
                  if (init && init.headers && init.headers.Accept === 'text/event-stream') {
                    window.streamed.push(String(input));
                  }
                  return fetchFirst(input, init);
                };""");

        driver.findElement(By.linkText("Submit a model")).click();
        driver.findElement(By.id("model")).sendKeys(model.toString());
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("method"))).selectByValue("int8");
        driver.findElement(By.id("samples")).sendKeys("2");
        driver.findElement(By.id("submit-button")).click();

        WebElement notice = wait(driver, Duration.ofSeconds(20)).until(
                ExpectedConditions.visibilityOfElementLocated(By.id("jobs-notice")));
        assertThat(notice.getText()).startsWith("Submitted tiny.onnx as job ");
        String id = notice.getText().replaceAll(".* as job ([0-9a-f-]{36});.*", "$1");
        By item = By.cssSelector("#job-list li[data-job-id='" + id + "']");
        wait(driver, JOB_WAIT).until(ExpectedConditions.attributeToBe(item, "data-status", "SUCCEEDED"));

        @SuppressWarnings("unchecked")
        List<String> seen = (List<String>) chromium.script("return window.statusLog;");
        assertThat(seen).as("statuses the list showed before SUCCEEDED, without a reload")
                .containsAnyOf(id + " QUEUED", id + " RUNNING", id + " EVALUATING");
        @SuppressWarnings("unchecked")
        List<String> streamed = (List<String>) chromium.script("return window.streamed;");
        assertThat(streamed).as("the list followed the job's event stream").contains("/api/v1/jobs/" + id + "/events");
        JsonNode report = api("/api/v1/jobs/" + id + "/report");
        String ratio = String.format(Locale.ROOT, "%.1f %%", report.at("/sizes/ratio").asDouble() * 100);
        wait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#job-list li[data-job-id='" + id + "'] .job-ratio"), ratio));
        assertThat(driver.findElement(item).findElement(By.className("job-method")).getText()).isEqualTo("int8");
        String verdict = report.get("verdict").asString();
        assertThat(verdict).isIn("lossless", "close", "degraded", "broken");
        assertThat(driver.findElement(item).findElement(By.className("job-verdict")).getText())
                .as("the list shows the report's verdict").isEqualTo(verdict);

        driver.findElement(item).findElement(By.className("job-link")).click();
        wait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.id("headline")));
        assertThat(driver.findElement(By.id("job-status")).getText()).isEqualTo("SUCCEEDED");
        assertThat(driver.findElement(By.id("job-title")).getText()).isEqualTo("tiny.onnx");
        String cosine = String.format(Locale.ROOT, "%.5f", report.at("/outputs/0/cosineMean").asDouble());
        assertThat(driver.findElement(By.id("headline-numbers")).getText()).contains(ratio, cosine)
                .startsWith("Verdict\n" + verdict);
        assertThat(driver.findElements(By.cssSelector("#event-list li"))).extracting(WebElement::getText)
                .anyMatch(text -> text.contains("started"))
                .anyMatch(text -> text.contains("succeeded"));

        checkReport(driver, id);
        downloadTheModel(driver, id);

        // no request carried the key in its URL; the key lives in this tab's session storage only
        @SuppressWarnings("unchecked")
        List<String> urls = (List<String>) chromium.script(
                "return performance.getEntriesByType('resource').map(e => e.name);");
        assertThat(urls).isNotEmpty().noneMatch(url -> url.contains(KEY));
        assertThat(chromium.script("return localStorage.length;")).isEqualTo(0L);

        // the job page at phone width
        chromium.viewport(375, 812);
        assertNoHorizontalOverflow("the job page");
    }

    /** The HTML report (served by the API or not): what the frame shows is what the API answers. */
    private void checkReport(WebDriver driver, String id) throws Exception {
        HttpResponse<String> html = HTTP.send(request("/api/v1/jobs/" + id + "/report.html").build(),
                HttpResponse.BodyHandlers.ofString());
        WebElement message = driver.findElement(By.id("report-message"));
        wait(driver, Duration.ofSeconds(10)).until(d -> !message.getText().startsWith("Loading"));
        if (html.statusCode() == 200) {
            wait(driver, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("report-save")).isDisplayed());
            driver.switchTo().frame(driver.findElement(By.id("report-frame")));
            WebElement frame = driver.findElement(By.id("report"));
            assertThat(frame.getDomAttribute("sandbox")).as("the report's frame may run nothing").isEmpty();
            wait(driver, Duration.ofSeconds(10)).until(d -> String.valueOf(frame.getDomProperty("src")).startsWith("blob:"));
            driver.switchTo().frame(frame);
            String title = String.valueOf(chromium.script("return document.title;"));
            String text = driver.findElement(By.tagName("body")).getText();
            driver.switchTo().defaultContent();
            assertThat(html.body()).contains("<title>" + title + "</title>");
            assertThat(text).isNotBlank();
        } else {
            JsonNode problem = JSON.readTree(html.body());
            assertThat(message.getText()).startsWith("The HTML report is not available")
                    .contains(problem.get("detail").asString());
            assertThat(driver.findElement(By.id("report-frame")).isDisplayed()).isFalse();
        }
    }

    private void downloadTheModel(WebDriver driver, String id) throws Exception {
        JsonNode artifacts = api("/api/v1/jobs/" + id + "/artifacts");
        JsonNode stored = null;
        for (JsonNode artifact : artifacts) {
            if (artifact.get("name").asString().equals("model.onnx")) {
                stored = artifact;
            }
        }
        assertThat(stored).as("the job's model.onnx in %s", artifacts).isNotNull();
        driver.findElement(By.cssSelector("button.artifact-download[data-name='model.onnx']")).click();
        wait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(
                By.id("download-status"), "model.onnx downloaded"));
        assertThat(driver.findElement(By.id("download-status")).getText()).contains("SHA-256 checked");
        Path file = chromium.downloads().resolve("model.onnx");
        wait(driver, Duration.ofSeconds(20)).until(d -> Files.isRegularFile(file) && !partialDownloads());
        assertThat(sha256(file)).isEqualTo(stored.get("sha256").asString());
        assertThat(Files.size(file)).isEqualTo(stored.get("sizeBytes").asLong());
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(file.toString())) {
            assertThat(session.getInputNames()).containsExactly("X");
        } catch (OrtException e) {
            throw new AssertionError("the downloaded model does not load in ONNX Runtime", e);
        }
    }

    @Test
    void aWrongKeyIsRefusedWithAClearMessage() {
        WebDriver driver = chromium.driver();
        driver.findElement(By.id("api-key")).sendKeys("mp_not_the_key_0123456789abcdef0123456789", Keys.ENTER);
        WebElement error = wait(driver, Duration.ofSeconds(10)).until(
                ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-error")));
        assertThat(error.getText()).isEqualTo("That API key was not accepted (invalid_api_key). Check it and try again.");
        assertThat(error.getAttribute("role")).isEqualTo("alert");
        assertThat(driver.findElement(By.id("api-key")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(driver.findElement(By.id("view-jobs")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("nav")).isDisplayed()).isFalse();
        assertThat(chromium.script("return sessionStorage.length;")).isEqualTo(0L);
    }

    @Test
    void nothingOverflowsAPhoneWidthScreen() {
        WebDriver driver = chromium.driver();
        chromium.viewport(375, 812);
        assertThat(chromium.script("return window.innerWidth;")).isEqualTo(375L);
        assertNoHorizontalOverflow("the sign-in page");
        signIn(KEY);
        assertNoHorizontalOverflow("the job list");
        driver.findElement(By.linkText("Submit a model")).click();
        wait(driver, Duration.ofSeconds(5)).until(ExpectedConditions.visibilityOfElementLocated(By.id("submit-form")));
        assertNoHorizontalOverflow("the submit form");
    }

    @Test
    void submitsAJobWithTheKeyboardAlone() {
        WebDriver driver = chromium.driver();
        // the page focuses the key field itself
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("api-key");
        keys(KEY, Keys.ENTER);
        wait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("view-jobs")));

        // a fresh load of the signed-in page: Tab starts at the skip link, then the navigation
        driver.navigate().refresh();
        wait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("view-jobs")));
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            keys(Keys.TAB);
            order.add(describe(driver.switchTo().activeElement()));
        }
        assertThat(order).containsExactly("a:Skip to content", "a:Jobs", "a:Submit a model", "button:Sign out");
        new Actions(driver).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
        assertThat(describe(driver.switchTo().activeElement())).isEqualTo("a:Submit a model");
        keys(Keys.ENTER);
        wait(driver, Duration.ofSeconds(5)).until(ExpectedConditions.visibilityOfElementLocated(By.id("submit-form")));
        assertThat(driver.switchTo().activeElement().getAttribute("id")).as("a new view focuses its heading")
                .isEqualTo("submit-title");

        // Tab walks the form in reading order; a file is chosen by typing its path into the focused file field (what
        // WebDriver has for the file dialog), everything else with keys
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            keys(Keys.TAB);
            WebElement focused = driver.switchTo().activeElement();
            fields.add(focused.getAttribute("id"));
            switch (focused.getAttribute("id")) {
                case "model" -> focused.sendKeys(model.toString());
                case "method" -> keys("fp16"); // typing selects the option whose label starts so
                case "samples" -> keys("2");
                default -> { }
            }
        }
        assertThat(fields).containsExactly("model", "method", "block-size", "symmetric", "rounding", "exclude",
                "min-cosine", "min-sqnr", "max-kl", "samples", "seed", "submit-button");
        keys(Keys.ENTER);

        WebElement notice = wait(driver, Duration.ofSeconds(20)).until(
                ExpectedConditions.visibilityOfElementLocated(By.id("jobs-notice")));
        String id = notice.getText().replaceAll(".* as job ([0-9a-f-]{36});.*", "$1");
        assertThat(api("/api/v1/jobs/" + id).get("method").asString()).isEqualTo("fp16");
        assertThat(api("/api/v1/jobs/" + id).at("/request/evaluation/samples").asInt()).isEqualTo(2);
    }

    /** Keys typed into whatever has the focus, as a person types them. */
    private static void keys(CharSequence... keys) {
        new Actions(chromium.driver()).sendKeys(keys).perform();
    }

    private void signIn(String key) {
        WebDriver driver = chromium.driver();
        driver.findElement(By.id("api-key")).sendKeys(key);
        driver.findElement(By.cssSelector("#sign-in-form button")).click();
        wait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("view-jobs")));
    }

    private void assertNoHorizontalOverflow(String what) {
        Object widths = chromium.script("""
                const page = document.documentElement;
                const wide = [...document.querySelectorAll('body *')]
                    .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 0.5)
                    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right));
                return [page.scrollWidth, window.innerWidth, wide.slice(0, 5).join(', ')];""");
        List<?> values = (List<?>) widths;
        assertThat(((Number) values.get(0)).longValue())
                .as("%s scrolls sideways at %spx (too wide: %s)", what, values.get(1), values.get(2))
                .isLessThanOrEqualTo(((Number) values.get(1)).longValue());
        assertThat((String) values.get(2)).as("elements of %s past the right edge", what).isEmpty();
    }

    private static String describe(WebElement element) {
        return element.getTagName() + ":" + element.getText().strip();
    }

    private static WebDriverWait wait(WebDriver driver, Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.pollingEvery(Duration.ofMillis(100));
        return wait;
    }

    private static boolean partialDownloads() {
        try (Stream<Path> files = Files.list(chromium.downloads())) {
            return files.anyMatch(file -> file.getFileName().toString().endsWith(".crdownload"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + KEY);
    }

    private static JsonNode api(String path) {
        try {
            HttpResponse<String> response = HTTP.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
