package dev.cdiff.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real headless browser (Debian's chromium through its chromedriver; no driver download) against
 * the embedded stack: sign in, the job list, a training job's live loss curve, a finished job with its curve,
 * samples and timeline, a merge, a concept upload and a sampling request. Each page is saved as a screenshot under
 * {@code target/console-screenshots} ({@code -Dconsole.screenshots=DIR} to write them elsewhere, e.g. docs/console).
 */
class ConsoleBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;
    static ConsoleScenes scenes;
    static WebDriver browser;
    static Path screenshots;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "no chromium at " + CHROMIUM
                + " with chromedriver at " + CHROMEDRIVER + ": install Debian's chromium and chromium-driver"
                + " (apt-get install -y chromium chromium-driver) to run the browser test");
        screenshots = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        Files.createDirectories(screenshots);
        s = new GatewayAttackStack(workspace, Map.of());
        scenes = new ConsoleScenes(s);
        // Selenium Manager would look for a driver online: the driver is named, and the manager is told to stay put
        System.setProperty("SE_OFFLINE", "true");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1100", "--hide-scrollbars",
                // loopback only: none of the browser's own background traffic
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-domain-reliability", "--no-first-run",
                "--disable-features=OptimizationHints,MediaRouter,Translate", "--no-pings");
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (s != null) {
            s.close();
        }
    }

    @Test
    void aTenantSignsInFollowsItsJobsUploadsAConceptAndSamplesAModel() throws Exception {
        String finished = scenes.finished("alpha", "rex");
        String training = scenes.training("alpha", "bella", 14);
        String merge = s.finishedMerge("alpha");
        scenes.finished("beta", "not-yours");

        browser.get(s.base + "/console");
        assertTrue(browser.getCurrentUrl().endsWith("/console/sign-in"), browser.getCurrentUrl());
        shot("1-sign-in");
        browser.findElement(By.id("apiKey")).sendKeys(s.alphaKey);
        clickAndAwait(By.id("sign-in-button"), url -> url.endsWith("/console/jobs"));

        assertTrue(browser.getCurrentUrl().endsWith("/console/jobs"), browser.getCurrentUrl() + "\n"
                + browser.getPageSource());
        assertFalse(browser.getCurrentUrl().contains("cdk_"), "the key is in no URL");
        assertEquals("alpha", browser.findElement(By.id("tenant")).getText());
        List<WebElement> rows = browser.findElements(By.cssSelector("#jobs tr.job"));
        assertEquals(3, rows.size(), "alpha's three jobs, none of beta's");
        String list = browser.findElement(By.id("jobs")).getText();
        assertTrue(list.contains("DONE") && list.contains("TRAINING"), list);
        assertTrue(list.contains("step 140 / 400"), "live progress of the training job: " + list);
        shot("2-jobs");

        clickAndAwait(By.cssSelector("a[href='/console/jobs/" + training + "']"),
                url -> url.endsWith("/console/jobs/" + training));
        assertEquals("TRAINING", browser.findElement(By.id("stage")).getText());
        assertEquals(14, polylinePoints(), "one point of the curve per progress report");
        shot("3-job-training");

        browser.get(s.base + "/console/jobs");
        clickAndAwait(By.cssSelector("a[href='/console/jobs/" + finished + "']"),
                url -> url.endsWith("/console/jobs/" + finished));
        assertEquals("DONE", browser.findElement(By.id("stage")).getText());
        assertEquals(40, polylinePoints());
        assertEquals("0.09120", browser.findElement(By.id("final-loss")).getText());
        List<WebElement> samples = browser.findElements(By.cssSelector("#samples img"));
        assertEquals(4, samples.size());
        for (WebElement img : samples) {
            Number width = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return arguments[0].complete ? arguments[0].naturalWidth : 0;", img);
            assertEquals(64, width.intValue(), "the sample image loaded through its signed link");
        }
        String timeline = browser.findElement(By.id("timeline")).getText();
        for (String event : List.of("ConceptSubmitted", "RegularizationReady", "TrainingCompleted",
                "SampleRequested", "SamplesGenerated")) {
            assertTrue(timeline.contains(event), event + " in the timeline: " + timeline);
        }
        shot("4-job-done");

        browser.get(s.base + "/console/jobs/" + merge);
        String mergeSection = browser.findElement(By.id("merge")).getText();
        assertTrue(mergeSection.contains("<new1>, <new2>") && mergeSection.contains("dog, cat"), mergeSection);
        assertTrue(mergeSection.contains("retrieval-corpus"), "where the captions came from: " + mergeSection);
        List<String> layers = browser.findElements(By.cssSelector("#merge-diagnostics tr.diagnostics-layer")).stream()
                .map(WebElement::getText).toList();
        assertEquals(List.of("down0.a0.t0.k 0.813 0.0213 0.00412 2.10e-07 3.40e-07",
                "down0.a0.t0.v 0.973 0.0248 0.00517 1.90e-07 4.10e-07",
                "mid.a0.t0.k 1.60 0.0302 0.00733 5.50e-07 2.20e-06",
                "up1.a2.t0.v 2.38 0.0415 0.0196 8.00e-07 1.37e-01"), layers, "one row per layer of the artifact");
        assertEquals(List.of("c1 <new1> dog: worst residual 8.00e-07 at up1.a2.t0.v",
                "c2 <new2> cat: worst residual 1.37e-01 at up1.a2.t0.v"), browser.findElements(
                By.cssSelector("#merge-concepts li")).stream().map(WebElement::getText).toList());
        assertEquals("Max regularization drift 0.0196 at up1.a2.t0.v", browser.findElement(By.id("max-drift")).getText());
        shot("5-merge");

        clickAndAwait(By.linkText("New concept"), url -> url.endsWith("/console/concepts/new"));
        browser.findElement(By.id("conceptName")).sendKeys("luna");
        browser.findElement(By.id("classWord")).sendKeys("cat");
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path png = workspace.resolve("luna-" + i + ".png");
            Files.write(png, ConsoleScenes.png(40 + i));
            files.add(png.toAbsolutePath().toString());
        }
        browser.findElement(By.id("images")).sendKeys(String.join("\n", files));
        shot("6-upload");
        clickAndAwait(By.id("upload-button"), url -> url.contains("/console/jobs/"));
        assertTrue(browser.getCurrentUrl().contains("/console/jobs/"), browser.getCurrentUrl());
        assertEquals("INGESTING", stageOfNewJob());
        assertTrue(browser.findElement(By.id("job-facts")).getText().contains("luna"));

        browser.get(s.base + "/console/jobs/" + finished);
        browser.findElement(By.id("prompt")).sendKeys("a <new1> dog wearing a hat");
        browser.findElement(By.id("steps")).clear();
        browser.findElement(By.id("steps")).sendKeys("25");
        clickAndAwait(By.id("sample-button"), url -> url.contains("/console/jobs/") && !url.endsWith(finished));
        assertTrue(browser.getCurrentUrl().contains("/console/jobs/"), browser.getCurrentUrl());
        assertFalse(browser.getCurrentUrl().endsWith(finished), "a new sample job");
        assertEquals("SAMPLING", stageOfNewJob());
        shot("7-sample-requested");

        browser.get(s.base + "/console/jobs");
        assertEquals(5, browser.findElements(By.cssSelector("#jobs tr.job")).size(), "upload and sample added");
    }

    /**
     * Clicks and waits until the browser is at the page the click leads to: WebDriver's click returns once the
     * event is dispatched, so the URL read right after it can still be the page the click was on (seen on a loaded
     * CI machine after the sign-in form).
     */
    private static void clickAndAwait(By target, java.util.function.Predicate<String> destination) {
        browser.findElement(target).click();
        new org.openqa.selenium.support.ui.WebDriverWait(browser, java.time.Duration.ofSeconds(60))
                .until(driver -> destination.test(driver.getCurrentUrl()));
    }

    /**
     * The stage on the page a form redirected to. The gateway answers once its event is sent; the job page reads the
     * orchestrator's status, which knows the job when it has consumed that event, so a loaded machine can show
     * "not found" first: reload until the job is known.
     */
    private static String stageOfNewJob() throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (browser.findElements(By.id("stage")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.navigate().refresh();
        }
        return browser.findElement(By.id("stage")).getText();
    }

    private static int polylinePoints() {
        String points = browser.findElement(By.cssSelector("#loss-curve polyline")).getAttribute("points");
        return points.isBlank() ? 0 : points.strip().split("\\s+").length;
    }

    /** The whole page: the window grows to the page's height for the picture, then shrinks back. */
    private static void shot(String name) throws Exception {
        long height = ((Number) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollHeight;")).longValue();
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, (int) Math.min(4000,
                Math.max(700, height + 20))));
        File png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), screenshots.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1100));
    }
}
