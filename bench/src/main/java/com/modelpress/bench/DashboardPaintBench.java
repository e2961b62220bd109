package com.modelpress.bench;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * First paint of the dashboard in Debian's headless Chromium against a running API ({@code bench/dashboard-paint}
 * starts {@code modelpress serve} and a real job first): for each of {@code --loads} fresh navigations, the Performance
 * API's {@code first-contentful-paint} of the sign-in page and of the signed-in job list, and the time until the list
 * shows the jobs (the page's {@code jobs-listed} mark). The first load of a new profile is reported apart (nothing
 * cached); the others revalidate the assets (304). With {@code --screenshots DIR} it also saves the job list and the
 * page of {@code --job} as PNGs for the README.
 */
public final class DashboardPaintBench {

    private static final Set<String> OPTIONS = Set.of("server", "key-file", "job", "loads", "screenshots", "out",
            "chromium", "chromedriver");

    private DashboardPaintBench() {
    }

    /** One load's milliseconds from navigation start. */
    record Paint(double signInFcp, double listFcp, double listed) {}

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        String server = arguments.values().getOrDefault("server", "http://127.0.0.1:8080");
        String key = Files.readString(arguments.path("key-file", Path.of(System.getProperty("user.home"), ".modelpress", "api-key"))).strip();
        int loads = arguments.positiveInt("loads", 15);
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path chromium = arguments.path("chromium", Path.of("/usr/bin/chromium"));
        Path chromedriver = arguments.path("chromedriver", Path.of("/usr/bin/chromedriver"));
        Path profile = Files.createTempDirectory("modelpress-paint-profile");
        double load = loadAverage();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,900");
        ChromeDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build(), options);
        Paint cold;
        Paint[] warm = new Paint[loads];
        String version;
        try {
            version = driver.getCapabilities().getBrowserVersion();
            cold = measure(driver, server, key);
            for (int i = 0; i < loads; i++) {
                warm[i] = measure(driver, server, key);
                System.err.printf(Locale.ROOT, "load %d: sign-in FCP %.0f ms, list FCP %.0f ms, jobs listed %.0f ms%n",
                        i + 1, warm[i].signInFcp(), warm[i].listFcp(), warm[i].listed());
            }
            if (arguments.values().containsKey("screenshots")) {
                screenshots(driver, server, arguments.path("screenshots", Path.of("docs/images")),
                        arguments.values().get("job"));
            }
        } finally {
            driver.quit();
            deleteTree(profile);
        }
        String command = "bench/dashboard-paint --loads " + loads;
        String body = """
                Measured %s on %d cores (load average %.1f before), Chromium %s headless, with `%s`: \
                `modelpress serve` on loopback with two finished jobs, each load a new navigation in the same profile \
                (assets revalidated: 304), times from navigation start by the Performance API (`first-contentful-paint`) \
                and the page's own `jobs-listed` mark (the list read and drawn). Median of %d loads; the first load of a \
                new profile (nothing cached) apart.

                | page | first contentful paint, median | min / max | first load, empty cache |
                | --- | ---: | ---: | ---: |
                | sign-in (`/`) | %s | %s | %s |
                | job list, signed in (`/#/jobs`) | %s | %s | %s |
                | job list: jobs drawn (`jobs-listed`) | %s | %s | %s |
                """.formatted(LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(), load, version,
                command, loads,
                ms(median(warm, Paint::signInFcp)), range(warm, Paint::signInFcp), ms(cold.signInFcp()),
                ms(median(warm, Paint::listFcp)), range(warm, Paint::listFcp), ms(cold.listFcp()),
                ms(median(warm, Paint::listed)), range(warm, Paint::listed), ms(cold.listed()));
        BenchmarksDoc.writeSection(out, "dashboard-paint", "Dashboard first paint", body);
        System.out.println(body);
    }

    /** One load of the sign-in page signed out, then one of the job list signed in. */
    private static Paint measure(ChromeDriver driver, String server, String key) {
        driver.get("about:blank");
        driver.get(server + "/");
        waitFor(driver, "return document.readyState === 'complete' && document.getElementById('api-key') === document.activeElement;");
        double signIn = number(waitFor(driver, "return performance.getEntriesByName('first-contentful-paint')[0]?.startTime;"));
        script(driver, "sessionStorage.setItem('modelpress.apiKey', arguments[0]);", key);
        driver.get("about:blank");
        driver.get(server + "/#/jobs");
        double list = number(waitFor(driver, "return performance.getEntriesByName('first-contentful-paint')[0]?.startTime;"));
        double listed = number(waitFor(driver, "return performance.getEntriesByName('jobs-listed')[0]?.startTime;"));
        script(driver, "sessionStorage.clear();");
        return new Paint(signIn, list, listed);
    }

    private static void screenshots(ChromeDriver driver, String server, Path folder, String job) throws IOException {
        Files.createDirectories(folder);
        driver.manage().window().setSize(new Dimension(1100, 760));
        driver.get(server + "/#/jobs");
        waitFor(driver, "return performance.getEntriesByName('jobs-listed')[0]?.startTime;");
        waitFor(driver, "return [...document.querySelectorAll('#job-list .job-ratio')].every(e => e.textContent !== '—') || null;");
        Files.write(folder.resolve("dashboard-jobs.png"), driver.getScreenshotAs(OutputType.BYTES));
        if (job != null) {
            driver.manage().window().setSize(new Dimension(1100, 1500));
            driver.get(server + "/#/jobs/" + job);
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(
                    ExpectedConditions.visibilityOfElementLocated(By.id("artifacts-section")));
            waitFor(driver, "return document.getElementById('headline').hidden ? null : true;");
            waitFor(driver, "return document.getElementById('report-message').textContent.startsWith('Loading') ? null : true;");
            script(driver, "document.activeElement.blur();");
            Files.write(folder.resolve("dashboard-job.png"), driver.getScreenshotAs(OutputType.BYTES));
        }
    }

    private static Object waitFor(ChromeDriver driver, String script) {
        return new WebDriverWait(driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(20))
                .until(d -> script(driver, script));
    }

    private static Object script(ChromeDriver driver, String script, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    private static double median(Paint[] paints, java.util.function.ToDoubleFunction<Paint> metric) {
        double[] values = Arrays.stream(paints).mapToDouble(metric).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static String range(Paint[] paints, java.util.function.ToDoubleFunction<Paint> metric) {
        double[] values = Arrays.stream(paints).mapToDouble(metric).sorted().toArray();
        return ms(values[0]) + " / " + ms(values[values.length - 1]);
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.0f ms", millis);
    }

    private static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    private static void deleteTree(Path folder) throws IOException {
        try (var files = Files.walk(folder)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
