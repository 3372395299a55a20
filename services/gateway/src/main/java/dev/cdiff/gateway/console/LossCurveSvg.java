package dev.cdiff.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/** The loss curve as inline SVG, drawn on the server: no script and no chart library in the page. */
final class LossCurveSvg {
    static final int WIDTH = 640;
    static final int HEIGHT = 240;
    private static final int PAD = 56;

    private LossCurveSvg() {
    }

    /** @param points the {@code points} array of a loss view: objects with {@code step} and {@code loss} */
    static String render(JsonNode points, int totalSteps) {
        if (points == null || points.size() == 0) {
            return "<p class=\"muted\" id=\"loss-empty\">No training progress reported yet.</p>";
        }
        double minLoss = Double.MAX_VALUE;
        double maxLoss = -Double.MAX_VALUE;
        int maxStep = Math.max(totalSteps, 1);
        for (JsonNode p : points) {
            double loss = p.path("loss").asDouble();
            if (Double.isFinite(loss)) {
                minLoss = Math.min(minLoss, loss);
                maxLoss = Math.max(maxLoss, loss);
            }
            maxStep = Math.max(maxStep, p.path("step").asInt());
        }
        if (minLoss > maxLoss) {
            return "<p class=\"muted\">The reported losses are not finite numbers.</p>";
        }
        double span = maxLoss - minLoss == 0 ? 1 : maxLoss - minLoss;
        StringBuilder line = new StringBuilder();
        for (JsonNode p : points) {
            double loss = p.path("loss").asDouble();
            if (!Double.isFinite(loss)) {
                continue;
            }
            double x = PAD + (WIDTH - 2.0 * PAD) * p.path("step").asInt() / maxStep;
            double y = HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * (loss - minLoss) / span;
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg id=\"loss-curve\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\""
                + " height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\"><title>Training loss by step</title>",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>",
                WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                PAD, HEIGHT - PAD, WIDTH - PAD, HEIGHT - PAD));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                PAD, PAD, PAD, HEIGHT - PAD));
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%.4g</text>", PAD + 4,
                maxLoss));
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%.4g</text>", HEIGHT - PAD,
                minLoss));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">step 0</text>", PAD,
                HEIGHT - PAD + 16));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">step"
                + " %d</text>", WIDTH - PAD, HEIGHT - PAD + 16, maxStep));
        svg.append("<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"")
                .append(line.toString().strip()).append("\"/></svg>");
        return svg.toString();
    }
}
