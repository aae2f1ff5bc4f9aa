package dev.runbook.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.demo.DemoFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real browser (Debian's chromium, driven by Selenium through chromium-driver): a test
 * failover started through the API shows up live, reaches the rollback-eligible state, and the rollback
 * button (with its confirmation and the token) rolls it back. Screenshots go to target/page-*.png.
 */
@Tag("browser")
class PageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void aTestFailoverIsWatchedAndRolledBackFromThePage(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "SKIPPED LOUDLY: chromium and chromium-driver are not installed; bin/test installs them");
        DemoFixture site = new DemoFixture(tmp);
        String token = Tokens.token(tmp.resolve("server.token"), t -> { });
        try (Server server = new Server(site.journal, token,
                new Folders(Path.of("runbooks"), site.inventory.getParent()), List.of()).start("127.0.0.1", 0)) {
            String base = "http://127.0.0.1:" + server.port();
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                browser.get(base + "/");
                WebDriverWait asked = new WebDriverWait(browser, Duration.ofSeconds(30));
                var first = asked.until(ExpectedConditions.alertIsPresent()); // the page asks for the token once
                first.sendKeys(token);
                first.accept();
                String body = new ObjectMapper().createObjectNode().put("runbook", "test-failover.yaml")
                        .put("inventory", site.inventory.getFileName().toString()).put("vm", "app02").toString();
                HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, started.statusCode(), started.body());
                String id = new ObjectMapper().readTree(started.body()).get("id").asText();

                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("tr[data-run='" + id + "']"))).click();
                wait.until(ExpectedConditions.textToBe(By.id("lifecycle"), "test-failover-active"));
                wait.until(ExpectedConditions.elementToBeClickable(By.id("rollback")));
                assertTrue(browser.findElements(By.cssSelector("#timeline tbody tr")).size() > 10, "the timeline is filled from the event stream");
                shot(browser, "page-test-failover-active.png");

                browser.findElement(By.id("rollback")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept(); // "Roll back ...?"; the token is kept
                wait.until(ExpectedConditions.textToBe(By.id("lifecycle"), "replication-ready"));
                wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-run='" + id + "'] td:nth-child(4)"), "rolled-back"));
                assertTrue(browser.findElement(By.id("answer")).getText().startsWith("rollback: "),
                        browser.findElement(By.id("answer")).getText());
                shot(browser, "page-rolled-back.png");
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * A recovery plan started through the API: the page shows its tree, one VM is committed from its row, and the
     * plan's rollback button rolls back the rest; the filter narrows the rows by state.
     */
    @Test
    void aRecoveryPlanIsDecidedPerVmThenPerPlanFromThePage(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "SKIPPED LOUDLY: chromium and chromium-driver are not installed; bin/test installs them");
        DemoFixture site = new DemoFixture(tmp.resolve("site"));
        Path plans = Files.createDirectories(tmp.resolve("recovery-plans"));
        Files.writeString(plans.resolve("core.yaml"), """
                apiVersion: runbooks/v1
                kind: RecoveryPlan
                metadata: {name: core, version: 1.0.0}
                spec:
                  operation: planned-failover
                  tiers:
                    - name: database
                      vms: [{name: db01, critical: true}]
                    - name: application
                      vms: [{name: app02, after: [db01]}]
                """);
        String token = Tokens.token(tmp.resolve("server.token"), t -> { });
        try (Server server = new Server(site.journal, token,
                new Folders(Path.of("runbooks"), site.inventory.getParent(), plans), List.of()).start("127.0.0.1", 0)) {
            String base = "http://127.0.0.1:" + server.port();
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                browser.get(base + "/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                var asked = wait.until(ExpectedConditions.alertIsPresent());
                asked.sendKeys(token);
                asked.accept();
                String body = new ObjectMapper().createObjectNode().put("plan", "core.yaml")
                        .put("inventory", site.inventory.getFileName().toString()).toString();
                HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, started.statusCode(), started.body());
                String id = new ObjectMapper().readTree(started.body()).get("id").asText();

                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("tr[data-run='" + id + "']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("counts"), "2 awaiting decision"));
                assertTrue(browser.findElements(By.cssSelector("#runs tr[data-run^='" + id + ".']")).isEmpty(),
                        "the plan's VM runs are listed in its plan, not among the runs");
                assertEquals("awaiting-commit", text(wait, "tr[data-vm='app02'] td:nth-child(6)"));
                shot(browser, "page-plan-awaiting.png");

                // The rows are drawn again as the plan moves; what was picked stays picked.
                wait.until(d -> {
                    try {
                        d.findElement(By.cssSelector("tr[data-vm='app02'] input")).click();
                        return true;
                    } catch (org.openqa.selenium.StaleElementReferenceException e) {
                        return false;
                    }
                });
                browser.findElement(By.id("commitSel")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept(); // "Commit app02 of ...? This is final."
                wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-vm='app02'] td:nth-child(6)"), "committed"));
                assertEquals("awaiting-commit", text(wait, "tr[data-vm='db01'] td:nth-child(6)"));

                wait.until(ExpectedConditions.elementToBeClickable(By.id("rollback"))).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept();
                wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-vm='db01'] td:nth-child(6)"), "replication-ready"));
                assertEquals("committed", text(wait, "tr[data-vm='app02'] td:nth-child(6)"));
                assertTrue(browser.findElement(By.id("answer")).getText().contains("db01 is replication-ready"),
                        browser.findElement(By.id("answer")).getText());

                new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter"))).selectByVisibleText("failed");
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#vms tbody tr"), 0));
                new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter"))).selectByVisibleText("ready");
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#vms tbody tr"), 2));
                shot(browser, "page-plan-decided.png");
            } finally {
                browser.quit();
            }
        }
    }

    /** The text of an element the page may draw again meanwhile. */
    private static String text(WebDriverWait wait, String css) {
        return wait.until(d -> {
            try {
                return d.findElement(By.cssSelector(css)).getText();
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return null;
            }
        });
    }

    private static void shot(ChromeDriver browser, String name) throws Exception {
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.write(out, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
