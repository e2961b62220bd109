package com.modelpress.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, driven through its chromedriver: a fresh profile and download folder per instance, no
 * network but what the page asks for (no sync, updates, QUIC or background fetches). Tests that need it are skipped
 * with the reason when either binary is missing (install them with {@code apt-get install chromium chromium-driver}).
 * Not thread-safe; one per test class.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("MODELPRESS_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("MODELPRESS_CHROMEDRIVER", "/usr/bin/chromedriver"));
    /** Where failing tests leave a screenshot. */
    static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

    private final Path profile;
    private final Path downloads;
    private final ChromeDriver driver;

    private HeadlessChromium(Path profile, Path downloads, ChromeDriver driver) {
        this.profile = profile;
        this.downloads = downloads;
        this.driver = driver;
    }

    /** Skips the calling test (a JUnit assumption) when chromium or chromedriver is not installed. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the dashboard's browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (Debian: apt-get install chromium chromium-driver); skipped");
    }

    static HeadlessChromium start() throws IOException {
        assumeInstalled();
        Path profile = Files.createTempDirectory("modelpress-chromium-profile");
        Path downloads = Files.createTempDirectory("modelpress-chromium-downloads");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,900");
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", downloads.toString(),
                "download.prompt_for_download", false,
                "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return new HeadlessChromium(profile, downloads, driver);
    }

    ChromeDriver driver() {
        return driver;
    }

    Path downloads() {
        return downloads;
    }

    Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    /** The viewport: what CSS sees as the window's inner size. */
    void viewport(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
        // the outer window includes no browser chrome in headless mode, but make sure the page sees the width asked
        Object inner = script("return window.innerWidth;");
        if (inner instanceof Number number && number.intValue() != width) {
            driver.manage().window().setSize(new Dimension(2 * width - number.intValue(), height));
        }
    }

    void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            for (Path folder : List.of(profile, downloads)) {
                try (Stream<Path> files = Files.walk(folder)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
    }

    /** Saves a screenshot of the page as it was when a test failed, named after the test. */
    static final class ScreenshotOnFailure implements TestWatcher {
        private final java.util.function.Supplier<HeadlessChromium> browser;

        ScreenshotOnFailure(java.util.function.Supplier<HeadlessChromium> browser) {
            this.browser = browser;
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            HeadlessChromium chromium = browser.get();
            if (chromium == null) {
                return;
            }
            try {
                chromium.screenshot(context.getRequiredTestClass().getSimpleName() + "-" + context.getDisplayName()
                        .replaceAll("[^A-Za-z0-9]+", "_"));
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
