package dev.cdiff.gateway.console;

/**
 * Escaping for the console's server-rendered HTML. Every value that came from a tenant, an event or the store goes
 * through {@link #esc}; the page shell carries no inline script or style, so the Content-Security-Policy can be
 * {@code default-src 'self'}.
 */
final class Html {
    private Html() {
    }

    /** Text safe in element content and in double-quoted attribute values. */
    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        out.append('?');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A whole page: {@code body} must already be escaped HTML; {@code tenant} null on the sign-in page. */
    static String page(String title, String tenant, String csrf, String body, boolean refresh) {
        StringBuilder p = new StringBuilder(body.length() + 1024);
        p.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if (refresh) {
            // live progress without script: the page reloads itself while a job of it is still moving
            p.append("<meta http-equiv=\"refresh\" content=\"5\">");
        }
        p.append("<title>").append(esc(title)).append(" · cdiff console</title>")
                .append("<link rel=\"stylesheet\" href=\"/console/style.css\"></head><body>")
                .append("<header><a class=\"brand\" href=\"/console/jobs\">cdiff console</a>");
        if (tenant != null) {
            p.append("<nav><a href=\"/console/jobs\">Jobs</a> <a href=\"/console/concepts/new\">New concept</a>")
                    .append("</nav><form class=\"signout\" method=\"post\" action=\"/console/sign-out\">")
                    .append("<span>tenant <b id=\"tenant\">").append(esc(tenant)).append("</b></span>")
                    .append(csrfField(csrf)).append("<button type=\"submit\">Sign out</button></form>");
        }
        p.append("</header><main><h1>").append(esc(title)).append("</h1>").append(body)
                .append("</main></body></html>\n");
        return p.toString();
    }

    static String csrfField(String csrf) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) + "\">";
    }
}
