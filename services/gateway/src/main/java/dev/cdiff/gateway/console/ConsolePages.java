package dev.cdiff.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.gateway.TenantActions;
import dev.cdiff.gateway.TenantIds;
import dev.cdiff.gateway.http.BodyDeadline;
import dev.cdiff.gateway.http.GatewayHttpApi;
import dev.cdiff.gateway.http.HttpIo;
import dev.cdiff.gateway.http.MultipartForm;
import dev.cdiff.gateway.http.MultipartPart;
import dev.cdiff.gateway.jobs.JobViews;
import dev.cdiff.gateway.jobs.OrchestratorJobs;
import dev.cdiff.gateway.keys.ApiKeyStore;
import dev.cdiff.gateway.links.DownloadLinks;
import dev.cdiff.platform.diagnostics.MergeDiagnosticsTable;
import dev.cdiff.platform.store.ArtifactStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The tenant's web console, server-rendered HTML on the public API's server. A tenant signs in with its API key
 * (posted in a form, never in a URL) and gets an HttpOnly, SameSite=Strict session cookie; every form of the session
 * carries its CSRF token, and a cross-origin POST is refused. Pages: the job list with stage and progress, a job with
 * its loss curve, images (through the signed download links), merge details and event timeline, a concept upload
 * form and a sampling form. Everything shown is escaped; the policy {@code default-src 'self'} forbids anything
 * inline or from elsewhere. A job of another tenant is "not found", as in the API.
 */
public final class ConsolePages {
    private static final Logger LOG = LoggerFactory.getLogger(ConsolePages.class);
    static final String COOKIE = "cdiff_session";
    static final String CSP = "default-src 'self'; img-src 'self'; style-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";
    private static final long MAX_FORM_BYTES = 8192;

    private final ApiKeyStore keys;
    private final OrchestratorJobs jobs;
    private final DownloadLinks links;
    private final ArtifactStore store;
    private final TenantActions actions;
    private final BodyDeadline bodyDeadline;
    private final long maxUploadBytes;
    private final ConsoleSessions sessions;

    public ConsolePages(ApiKeyStore keys, OrchestratorJobs jobs, DownloadLinks links, ArtifactStore store,
                        TenantActions actions, BodyDeadline bodyDeadline, long maxUploadBytes,
                        Duration sessionLifetime) {
        this.keys = keys;
        this.jobs = jobs;
        this.links = links;
        this.store = store;
        this.actions = actions;
        this.bodyDeadline = bodyDeadline;
        this.maxUploadBytes = maxUploadBytes;
        this.sessions = new ConsoleSessions(sessionLifetime, Clock.systemUTC());
    }

    public void register(RoutesConfig r) {
        r.get("/console", ctx -> ctx.redirect("/console/jobs", io.javalin.http.HttpStatus.SEE_OTHER));
        r.get("/console/style.css", this::style);
        r.get("/console/sign-in", page(ctx -> signInPage(ctx, 200, null)));
        r.post("/console/sign-in", page(this::signIn));
        r.post("/console/sign-out", page(this::signOut));
        r.get("/console/jobs", page(this::jobList));
        r.get("/console/jobs/{jobId}", page(this::jobPage));
        r.get("/console/concepts/new", page(this::uploadPage));
        r.post("/console/concepts", page(this::upload));
        r.post("/console/jobs/{jobId}/samples", page(this::sample));
    }

    /** Headers every console answer carries, and refusals shown as a page rather than as JSON. */
    private Handler page(Handler handler) {
        return ctx -> {
            ctx.header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff")
                    // not no-referrer: under it a browser posts forms with "Origin: null", which the origin check refuses
                    .header("X-Frame-Options", "DENY").header("Referrer-Policy", "same-origin")
                    .header("Cache-Control", "no-store");
            try {
                handler.handle(ctx);
            } catch (SignInRequired e) {
                // the redirect to the sign-in page is the answer
            } catch (HttpIo.Refusal r) {
                if (r.closeConnection) {
                    ctx.header("Connection", "close");
                }
                Session s = session(ctx).orElse(null);
                html(ctx, r.status, Html.page("Request refused", s == null ? null : s.tenant(),
                        s == null ? null : s.csrf(), "<p class=\"error\" id=\"refusal\">" + Html.esc(r.getMessage())
                                + " <span class=\"muted\">(" + Html.esc(r.reasonCode) + ")</span></p>"
                                + "<p><a href=\"/console/jobs\">Back to the jobs</a></p>", false));
            } catch (OrchestratorJobs.Unavailable e) {
                LOG.warn("console: job query failed: {}", e.getMessage());
                html(ctx, 503, Html.page("Unavailable", null, null,
                        "<p class=\"error\">Job status cannot be read right now; retry later.</p>", false));
            }
        };
    }

    private record Session(String id, String tenant, String csrf) {
    }

    /** The signed-in session, while its key is still valid (revoking the key signs the console out). */
    private Optional<Session> session(Context ctx) {
        String id = ctx.cookie(COOKIE);
        return sessions.find(id).filter(s -> keys.keys().stream().anyMatch(k -> k.keyId().equals(s.keyId())
                        && k.tenant().equals(s.tenant()) && !k.revoked()) && keys.tenants().contains(s.tenant()))
                .map(s -> new Session(id, s.tenant(), s.csrf()));
    }

    private Session requireSession(Context ctx) throws HttpIo.Refusal {
        Optional<Session> s = session(ctx);
        if (s.isEmpty()) {
            ctx.redirect("/console/sign-in", io.javalin.http.HttpStatus.SEE_OTHER);
            throw new SignInRequired();
        }
        return s.get();
    }

    /** Ends a page handler once the redirect to the sign-in page is set. */
    private static final class SignInRequired extends RuntimeException {
        SignInRequired() {
            super(null, null, false, false);
        }
    }

    /** A POST of a session: same origin when the browser says where it comes from, and the session's token. */
    private Session requirePostOf(Context ctx, String presentedCsrf) throws HttpIo.Refusal {
        Session s = requireSession(ctx);
        if (!ConsoleSessions.matches(s.csrf(), presentedCsrf)) {
            throw new HttpIo.Refusal(403, "CSRF", "the form is stale or came from another site; reload and retry");
        }
        return s;
    }

    private static void requireSameOrigin(Context ctx) throws HttpIo.Refusal {
        String origin = ctx.header("Origin");
        String host = ctx.header("Host");
        if (origin != null && !origin.equals("null") && host != null
                && !(origin.equals("http://" + host) || origin.equals("https://" + host))) {
            throw new HttpIo.Refusal(403, "CROSS_ORIGIN", "a console form must be posted from the console itself");
        }
        if ("null".equals(origin)) {
            throw new HttpIo.Refusal(403, "CROSS_ORIGIN", "a console form must be posted from the console itself");
        }
    }

    /** The small forms (sign in, sign out, sample) say their length, and it is small. */
    private static void refuseLargeForm(Context ctx) throws HttpIo.Refusal {
        String declared = ctx.header("Content-Length");
        if (declared == null || !declared.matches("\\d{1,9}") || Long.parseLong(declared) > MAX_FORM_BYTES) {
            throw new HttpIo.Refusal(413, "REQUEST_TOO_LARGE", "a console form is at most " + MAX_FORM_BYTES
                    + " bytes", true);
        }
    }

    private static void html(Context ctx, int status, String html) {
        ctx.status(status).contentType("text/html; charset=utf-8").result(html);
    }

    // ---- sign in / out ----

    private void signInPage(Context ctx, int status, String error) {
        StringBuilder b = new StringBuilder();
        if (error != null) {
            b.append("<p class=\"error\" id=\"sign-in-error\">").append(Html.esc(error)).append("</p>");
        }
        b.append("<form method=\"post\" action=\"/console/sign-in\" class=\"card\" id=\"sign-in\">")
                .append("<label for=\"apiKey\">API key</label>")
                .append("<input type=\"password\" id=\"apiKey\" name=\"apiKey\" autocomplete=\"off\" required")
                .append(" placeholder=\"cdk_...\">")
                .append("<button type=\"submit\" id=\"sign-in-button\">Sign in</button></form>")
                .append("<p class=\"muted\">The key stays in this form's body; the console keeps only a session.</p>");
        html(ctx, status, Html.page("Sign in", null, null, b.toString(), false));
    }

    private void signIn(Context ctx) throws Exception {
        requireSameOrigin(ctx);
        String type = String.valueOf(ctx.header("Content-Type"));
        if (!type.startsWith("application/x-www-form-urlencoded")) {
            throw new HttpIo.Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "sign in with the form");
        }
        refuseLargeForm(ctx);
        String presented = bodyDeadline.read(ctx, () -> ctx.formParam("apiKey"));
        Optional<String> tenant = presented == null ? Optional.empty() : keys.authenticate(presented);
        if (tenant.isEmpty()) {
            signInPage(ctx, 401, "The API key is unknown or revoked.");
            return;
        }
        String keyId = presented.strip().substring(ApiKeyStore.KEY_PREFIX.length(),
                ApiKeyStore.KEY_PREFIX.length() + 16);
        sessions.close(ctx.cookie(COOKIE));
        String id = sessions.open(tenant.get(), keyId);
        ctx.header("Set-Cookie", cookie(ctx, id, sessions.lifetime().toSeconds()));
        LOG.info("console: tenant {} signed in with key {}", tenant.get(), keyId);
        ctx.redirect("/console/jobs", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void signOut(Context ctx) throws Exception {
        requireSameOrigin(ctx);
        refuseLargeForm(ctx);
        Session s = requirePostOf(ctx, bodyDeadline.read(ctx, () -> ctx.formParam("csrf")));
        sessions.close(s.id());
        ctx.header("Set-Cookie", cookie(ctx, "", 0));
        ctx.redirect("/console/sign-in", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static String cookie(Context ctx, String value, long maxAgeSeconds) {
        boolean secure = "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
        return COOKIE + "=" + value + "; Path=/console; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : "");
    }

    // ---- pages ----

    private void jobList(Context ctx) throws Exception {
        Session s = requireSession(ctx);
        JsonNode list = jobs.jobsOf(s.tenant());
        StringBuilder b = new StringBuilder();
        boolean moving = false;
        if (list.size() == 0) {
            b.append("<p class=\"muted\" id=\"no-jobs\">No jobs yet. <a href=\"/console/concepts/new\">Upload a")
                    .append(" concept</a> to start one.</p>");
        } else {
            b.append("<table id=\"jobs\"><thead><tr><th>Job</th><th>Kind</th><th>Stage</th><th>What</th>")
                    .append("<th>Progress</th><th>Updated</th></tr></thead><tbody>");
            for (JsonNode job : list) {
                String id = job.path("jobId").asText();
                String stage = job.path("stage").asText();
                moving |= !stage.equals("DONE") && !stage.equals("FAILED");
                b.append("<tr class=\"job\"><td><a class=\"job-link\" href=\"/console/jobs/")
                        .append(Html.esc(urlSegment(id))).append("\">").append(Html.esc(shortId(id))).append("</a></td>")
                        .append("<td>").append(Html.esc(job.path("kind").asText())).append("</td>")
                        .append("<td><span class=\"stage stage-").append(Html.esc(stage.toLowerCase(java.util.Locale.ROOT)))
                        .append("\">").append(Html.esc(stage)).append("</span></td>")
                        .append("<td>").append(Html.esc(what(job))).append("</td>")
                        .append("<td>").append(progress(job)).append("</td>")
                        .append("<td>").append(Html.esc(job.path("updatedAt").asText())).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        html(ctx, 200, Html.page("Jobs", s.tenant(), s.csrf(), b.toString(), moving));
    }

    private void jobPage(Context ctx) throws Exception {
        Session s = requireSession(ctx);
        String jobId = ctx.pathParam("jobId");
        JsonNode job = ownJob(s, jobId);
        String stage = job.path("stage").asText();
        StringBuilder b = new StringBuilder();
        b.append("<dl class=\"facts\" id=\"job-facts\">");
        fact(b, "Job", jobId);
        fact(b, "Kind", job.path("kind").asText());
        b.append("<dt>Stage</dt><dd><span id=\"stage\" class=\"stage stage-")
                .append(Html.esc(stage.toLowerCase(java.util.Locale.ROOT))).append("\">").append(Html.esc(stage))
                .append("</span></dd>");
        fact(b, "Created", job.path("createdAt").asText(null));
        fact(b, "Updated", job.path("updatedAt").asText(null));
        JsonNode concept = job.path("concept");
        if (!concept.isMissingNode()) {
            fact(b, "Concept", concept.path("conceptName").asText(null));
            fact(b, "Class word", concept.path("classWord").asText(null));
            fact(b, "Token", concept.path("modifierToken").asText(null));
        }
        b.append("<dt>Progress</dt><dd>").append(progress(job)).append("</dd>");
        if (job.has("error")) {
            fact(b, "Failed in", job.path("error").path("stage").asText(null));
            b.append("<dt>Reason</dt><dd class=\"error\" id=\"job-error\">")
                    .append(Html.esc(job.path("error").path("reason").asText())).append("</dd>");
        }
        b.append("</dl>");

        ObjectNode loss = JobViews.lossCurve(jobId, job);
        if (loss.path("points").size() > 0 || "TRAINING".equals(stage)) {
            b.append("<section id=\"loss\"><h2>Loss curve</h2>")
                    .append(LossCurveSvg.render(loss.path("points"), loss.path("totalSteps").asInt(0)));
            if (loss.has("finalLoss")) {
                b.append("<p>Final loss <b id=\"final-loss\">").append(Html.esc(String.format(java.util.Locale.ROOT,
                        "%.5f", loss.path("finalLoss").asDouble()))).append("</b></p>");
            }
            b.append("</section>");
        }

        JsonNode artifacts = JobViews.artifacts("", s.tenant(), jobId, job, links).path("artifacts");
        images(b, artifacts, "sample-image", "Samples", "samples");
        images(b, artifacts, "concept-image", "Concept images", "concept-images");
        merge(b, s, job, artifacts);
        downloads(b, artifacts);
        if ("DONE".equals(stage) && (job.path("delta").has("artifact") || job.path("merge").has("merged"))) {
            sampleForm(b, s, jobId);
        }
        timeline(b, job);
        html(ctx, 200, Html.page("Job " + shortId(jobId), s.tenant(), s.csrf(), b.toString(),
                !stage.equals("DONE") && !stage.equals("FAILED")));
    }

    private JsonNode ownJob(Session s, String jobId) throws HttpIo.Refusal, OrchestratorJobs.Unavailable {
        if (!TenantIds.isJobId(jobId)) {
            throw new HttpIo.Refusal(404, "NOT_FOUND", "no job " + GatewayHttpApi.printable(jobId));
        }
        return jobs.jobOf(s.tenant(), jobId).orElseThrow(() -> new HttpIo.Refusal(404, "NOT_FOUND", "no job "
                + jobId));
    }

    private static void images(StringBuilder b, JsonNode artifacts, String role, String title, String id) {
        StringBuilder figures = new StringBuilder();
        for (JsonNode a : artifacts) {
            if (role.equals(a.path("role").asText()) && a.path("mediaType").asText("").startsWith("image/")) {
                String caption = a.path("prompt").asText(a.path("key").asText().replaceAll(".*/", ""));
                figures.append("<figure><img src=\"").append(Html.esc(a.path("url").asText()))
                        .append("\" alt=\"").append(Html.esc(caption)).append("\"><figcaption>")
                        .append(Html.esc(caption)).append("</figcaption></figure>");
            }
        }
        if (figures.length() > 0) {
            b.append("<section id=\"").append(id).append("\"><h2>").append(title).append("</h2><div class=\"grid\">")
                    .append(figures).append("</div></section>");
        }
    }

    /**
     * The merge's inputs, its regularization caption set and its diagnostics artifact: one row per cross-attention
     * layer (change, drift, constraint residual per concept), the worst residual of each concept and the largest drift.
     */
    private void merge(StringBuilder b, Session s, JsonNode job, JsonNode artifacts) {
        JsonNode merge = job.path("merge");
        if (merge.isMissingNode()) {
            return;
        }
        b.append("<section id=\"merge\"><h2>Merge</h2><dl class=\"facts\" id=\"merge-facts\">");
        fact(b, "Output name", merge.path("outputName").asText(null));
        fact(b, "Tokens", join(merge.path("tokens")));
        fact(b, "Class words", join(merge.path("classWords")));
        fact(b, "Regularization captions requested", merge.path("regularizationCaptions").asText(null));
        fact(b, "Caption source", merge.path("captionSource").asText(null));
        fact(b, "Captions used", merge.path("captionCount").asText(null));
        fact(b, "Caption set (sha256)", merge.path("captionSet").path("sha256").asText(null));
        fact(b, "Class sets (sha256)", join(merge.path("classSetDigests")));
        fact(b, "Source deltas (sha256)", join(merge.path("sourceDigests")));
        fact(b, "Duration (ms)", merge.path("durationMillis").asText(null));
        b.append("</dl>");
        String key = merge.path("diagnostics").path("key").asText(null);
        if (key != null && TenantIds.isKeyOf(s.tenant(), key)) {
            b.append("<h3>Diagnostics</h3>").append(diagnostics(key));
        } else {
            b.append("<p class=\"muted\" id=\"no-diagnostics\">This merge reported no diagnostics.</p>");
        }
        b.append("</section>");
    }

    private String diagnostics(String key) {
        MergeDiagnosticsTable table;
        try {
            var stat = store.stat(key).orElse(null);
            if (stat == null) {
                return "<p class=\"muted\" id=\"no-diagnostics\">The diagnostics are no longer stored.</p>";
            }
            if (stat.sizeBytes() > MergeDiagnosticsTable.MAX_BYTES) {
                return "<p class=\"muted\" id=\"no-diagnostics\">The diagnostics are too large to show; download"
                        + " them below.</p>";
            }
            try (InputStream in = store.open(key)) {
                table = MergeDiagnosticsTable.parse(in.readNBytes((int) MergeDiagnosticsTable.MAX_BYTES + 1));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("console: merge diagnostics {} unreadable: {}", key, e.toString());
            return "<p class=\"muted\" id=\"no-diagnostics\">The diagnostics could not be read.</p>";
        }
        return diagnosticsHtml(table);
    }

    static String diagnosticsHtml(MergeDiagnosticsTable t) {
        StringBuilder h = new StringBuilder("<p class=\"muted\">Residual: relative error of the merged layer on a")
                .append(" concept's own target tokens (near 0: the merge kept the concept). Drift: how far the layer")
                .append(" moved on the ").append(t.regularizationRows()).append(" regularization caption token rows,")
                .append(" relative to the base model.</p><ol class=\"concepts\" id=\"merge-concepts\">");
        for (MergeDiagnosticsTable.Worst w : t.worstPerConcept()) {
            h.append("<li class=\"concept-worst\">").append(Html.esc(w.column())).append(" <b>")
                    .append(Html.esc(w.concept())).append("</b>: worst residual <span class=\"num\">")
                    .append(Html.esc(MergeDiagnosticsTable.residual(w.residual()))).append("</span>")
                    .append(w.layer().isEmpty() ? "" : " at " + Html.esc(MergeDiagnosticsTable.shortName(w.layer())))
                    .append("</li>");
        }
        h.append("</ol>");
        t.maxDrift().ifPresent(r -> h.append("<p id=\"max-drift\">Max regularization drift <b>")
                .append(Html.esc(MergeDiagnosticsTable.number(r.drift()))).append("</b> at ")
                .append(Html.esc(r.shortLayer())).append("</p>"));
        h.append("<table class=\"diagnostics\" id=\"merge-diagnostics\"><thead><tr>");
        t.header().forEach(c -> h.append("<th>").append(Html.esc(c)).append("</th>"));
        h.append("</tr></thead><tbody>");
        for (MergeDiagnosticsTable.Row r : t.rows()) {
            List<String> cells = r.cells();
            h.append("<tr class=\"diagnostics-layer\"><td title=\"").append(Html.esc(r.layer())).append("\">")
                    .append(Html.esc(cells.get(0))).append("</td>");
            cells.subList(1, cells.size()).forEach(c -> h.append("<td class=\"num\">").append(Html.esc(c))
                    .append("</td>"));
            h.append("</tr>");
        }
        return h.append("</tbody></table><p class=\"muted\" id=\"presence\">Per-concept presence in samples is not")
                .append(" measured by the merge; sample the merged model to compare.</p>").toString();
    }

    private static void downloads(StringBuilder b, JsonNode artifacts) {
        StringBuilder rows = new StringBuilder();
        for (JsonNode a : artifacts) {
            String role = a.path("role").asText();
            if (role.equals("delta") || role.equals("merged-delta") || role.equals("merge-captions")
                    || role.equals("merge-diagnostics")) {
                rows.append("<li><a href=\"").append(Html.esc(a.path("url").asText())).append("\">")
                        .append(Html.esc(role)).append("</a> <span class=\"muted\">")
                        .append(Html.esc(a.path("sizeBytes").asText())).append(" bytes, link valid until ")
                        .append(Html.esc(a.path("expiresAt").asText())).append("</span></li>");
            }
        }
        if (rows.length() > 0) {
            b.append("<section id=\"downloads\"><h2>Downloads</h2><ul>").append(rows).append("</ul></section>");
        }
    }

    private static void sampleForm(StringBuilder b, Session s, String jobId) {
        b.append("<section><h2>Sample this model</h2><form method=\"post\" class=\"card\" id=\"sample-form\"")
                .append(" action=\"/console/jobs/").append(Html.esc(urlSegment(jobId))).append("/samples\">")
                .append(Html.csrfField(s.csrf()))
                .append("<label for=\"prompt\">Prompt</label><input type=\"text\" id=\"prompt\" name=\"prompt\"")
                .append(" maxlength=\"500\" required>")
                .append("<label for=\"steps\">Steps</label><input type=\"number\" id=\"steps\" name=\"steps\"")
                .append(" min=\"1\" max=\"1000\" value=\"50\">")
                .append("<label for=\"seed\">Seed</label><input type=\"number\" id=\"seed\" name=\"seed\" value=\"42\">")
                .append("<button type=\"submit\" id=\"sample-button\">Sample</button></form></section>");
    }

    private static void timeline(StringBuilder b, JsonNode job) {
        b.append("<section id=\"timeline\"><h2>Event timeline</h2>");
        if (job.path("historyDropped").asLong() > 0) {
            b.append("<p class=\"muted\">").append(job.path("historyDropped").asLong())
                    .append(" earlier events are not shown.</p>");
        }
        b.append("<table><thead><tr><th>When</th><th></th><th>Event</th><th>Event id</th><th>Caused by</th>")
                .append("<th>Note</th></tr></thead><tbody>");
        for (JsonNode e : job.path("history")) {
            b.append("<tr class=\"event\"><td>").append(Html.esc(e.path("occurredAt").asText()))
                    .append("</td><td>").append("out".equals(e.path("direction").asText()) ? "→" : "←")
                    .append("</td><td>").append(Html.esc(e.path("type").asText()))
                    .append("</td><td class=\"id\">").append(Html.esc(e.path("eventId").asText()))
                    .append("</td><td class=\"id\">").append(Html.esc(e.path("causationId").asText("")))
                    .append("</td><td>").append(Html.esc(e.path("ignored").asText(""))).append("</td></tr>");
        }
        b.append("</tbody></table>");
        if (job.path("eventCounts").size() > 0) {
            b.append("<p class=\"muted\">Counted: ");
            var counts = job.path("eventCounts").fields();
            while (counts.hasNext()) {
                var c = counts.next();
                b.append(Html.esc(c.getKey())).append(" ×").append(Html.esc(c.getValue().asText()))
                        .append(counts.hasNext() ? ", " : "");
            }
            b.append("</p>");
        }
        b.append("</section>");
    }

    private void uploadPage(Context ctx) throws Exception {
        Session s = requireSession(ctx);
        String b = "<form method=\"post\" action=\"/console/concepts\" enctype=\"multipart/form-data\" class=\"card\""
                + " id=\"upload-form\">" + Html.csrfField(s.csrf())
                + "<label for=\"conceptName\">Concept name</label><input type=\"text\" id=\"conceptName\""
                + " name=\"conceptName\" maxlength=\"64\" required>"
                + "<label for=\"classWord\">Class word (what it is: dog, vase, person)</label><input type=\"text\""
                + " id=\"classWord\" name=\"classWord\" maxlength=\"64\" required>"
                + "<label for=\"initializerWord\">Initializer word (optional)</label><input type=\"text\""
                + " id=\"initializerWord\" name=\"initializerWord\" maxlength=\"64\">"
                + "<label for=\"images\">Images (PNG, JPEG or WebP; at most " + (maxUploadBytes >> 20)
                + " MiB together)</label><input type=\"file\" id=\"images\" name=\"images\" multiple required"
                + " accept=\"image/png,image/jpeg,image/webp\">"
                + "<button type=\"submit\" id=\"upload-button\">Upload and start</button></form>";
        html(ctx, 200, Html.page("New concept", s.tenant(), s.csrf(), b, false));
    }

    private void upload(Context ctx) throws Exception {
        requireSameOrigin(ctx);
        Session session = requireSession(ctx);
        List<MultipartPart> parts = MultipartForm.parts(ctx, bodyDeadline, maxUploadBytes);
        String csrf = parts.stream().filter(p -> !p.isFile() && p.name().equals("csrf")).map(MultipartPart::text)
                .findFirst().orElse(null);
        Session s = requirePostOf(ctx, csrf);
        if (!s.id().equals(session.id())) {
            throw new HttpIo.Refusal(403, "CSRF", "the session changed while uploading; retry");
        }
        List<MultipartPart> fields = parts.stream().filter(p -> p.isFile() || !p.name().equals("csrf")).toList();
        ObjectNode answer = actions.uploadConcept(s.tenant(), fields);
        ctx.redirect("/console/jobs/" + urlSegment(answer.path("jobId").asText()),
                io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void sample(Context ctx) throws Exception {
        requireSameOrigin(ctx);
        requireSession(ctx);
        refuseLargeForm(ctx);
        var form = bodyDeadline.read(ctx, ctx::formParamMap);
        Session s = requirePostOf(ctx, first(form.get("csrf")));
        String jobId = ctx.pathParam("jobId");
        ownJob(s, jobId);
        ObjectNode request = HttpIo.JSON.createObjectNode().put("job", jobId);
        request.putArray("prompts").add(Optional.ofNullable(first(form.get("prompt"))).orElse(""));
        putInteger(request, "steps", first(form.get("steps")));
        putInteger(request, "seed", first(form.get("seed")));
        ObjectNode answer = actions.sample(s.tenant(), request);
        ctx.redirect("/console/jobs/" + urlSegment(answer.path("jobId").asText()),
                io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static void putInteger(ObjectNode request, String name, String value) throws HttpIo.Refusal {
        if (value == null || value.isBlank()) {
            return;
        }
        try {
            request.put(name, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new HttpIo.Refusal(400, "MALFORMED_REQUEST", name + " must be a whole number");
        }
    }

    private void style(Context ctx) {
        try (InputStream in = ConsolePages.class.getResourceAsStream("/console/style.css")) {
            if (in == null) {
                throw new IllegalStateException("console/style.css is missing from the gateway's jar");
            }
            ctx.header("Cache-Control", "max-age=300").header("X-Content-Type-Options", "nosniff")
                    .contentType("text/css; charset=utf-8").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- small helpers ----

    private static void fact(StringBuilder b, String name, String value) {
        if (value != null && !value.isEmpty()) {
            b.append("<dt>").append(Html.esc(name)).append("</dt><dd>").append(Html.esc(value)).append("</dd>");
        }
    }

    private static String progress(JsonNode job) {
        JsonNode p = job.path("progress");
        String stage = job.path("stage").asText();
        if ("DONE".equals(stage)) {
            return "<progress class=\"progress\" value=\"1\" max=\"1\">done</progress> done";
        }
        if (p.has("totalSteps") && p.path("totalSteps").asInt() > 0) {
            int step = p.path("step").asInt();
            int total = p.path("totalSteps").asInt();
            return "<progress class=\"progress\" value=\"" + step + "\" max=\"" + total + "\"></progress> step "
                    + step + " / " + total + (p.has("loss") ? String.format(java.util.Locale.ROOT, ", loss %.4f",
                    p.path("loss").asDouble()) : "");
        }
        return "<span class=\"muted\">—</span>";
    }

    private static String what(JsonNode job) {
        if (job.path("concept").has("conceptName")) {
            return job.path("concept").path("conceptName").asText() + " (" + job.path("concept").path("classWord")
                    .asText() + ")";
        }
        if (job.path("merge").has("outputName")) {
            return job.path("merge").path("outputName").asText();
        }
        if (job.path("samples").path("requestedPrompts").size() > 0) {
            return "“" + job.path("samples").path("requestedPrompts").get(0).asText() + "”";
        }
        return "";
    }

    private static String join(JsonNode array) {
        if (!array.isArray() || array.size() == 0) {
            return null;
        }
        StringBuilder s = new StringBuilder();
        array.forEach(v -> s.append(s.length() == 0 ? "" : ", ").append(v.asText()));
        return s.toString();
    }

    private static String shortId(String id) {
        return id.length() > 13 ? id.substring(0, 13) + "…" : id;
    }

    /** Job ids follow the id grammar (no '/', '?', '#'); encoding keeps a link right whatever the grammar allows. */
    private static String urlSegment(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
