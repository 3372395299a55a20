package dev.cdiff.toyworld.eval;

import java.util.ArrayList;
import java.util.List;

/** A report as sections of paragraphs, one table and image links; rendered to Markdown and to HTML. */
public final class ReportDocument {
    public record Table(List<String> header, List<List<String>> rows) {}

    public record Figure(String caption, String relativePath) {}

    public record Section(String title, List<String> paragraphs, Table table, List<Figure> figures) {}

    private final String title;
    private final List<Section> sections = new ArrayList<>();

    public ReportDocument(String title) {
        this.title = title;
    }

    public void add(Section section) {
        sections.add(section);
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (Section s : sections) {
            sb.append("## ").append(s.title()).append("\n\n");
            for (String p : s.paragraphs()) sb.append(p).append("\n\n");
            if (s.table() != null) {
                sb.append('|').append(String.join("|", s.table().header())).append("|\n|");
                sb.append("---|".repeat(s.table().header().size())).append('\n');
                for (List<String> row : s.table().rows()) sb.append('|').append(String.join("|", row)).append("|\n");
                sb.append('\n');
            }
            for (Figure f : s.figures()) {
                sb.append(f.caption()).append(":\n\n![").append(f.caption().split(" — ")[0]).append("](").append(f.relativePath()).append(")\n\n");
            }
        }
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .append(escape(title)).append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                + "table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 8px;text-align:right}"
                + "td:first-child{text-align:left}img{image-rendering:pixelated}</style></head><body>\n<h1>")
            .append(escape(title)).append("</h1>\n");
        for (Section s : sections) {
            sb.append("<h2>").append(escape(s.title())).append("</h2>\n");
            for (String p : s.paragraphs()) sb.append("<p>").append(inlineHtml(p)).append("</p>\n");
            if (s.table() != null) {
                sb.append("<table><tr>");
                for (String h : s.table().header()) sb.append("<th>").append(inlineHtml(h)).append("</th>");
                sb.append("</tr>\n");
                for (List<String> row : s.table().rows()) {
                    sb.append("<tr>");
                    for (String c : row) sb.append("<td>").append(inlineHtml(c)).append("</td>");
                    sb.append("</tr>\n");
                }
                sb.append("</table>\n");
            }
            for (Figure f : s.figures()) {
                sb.append("<figure><img src=\"").append(escape(f.relativePath())).append("\" alt=\"")
                    .append(escape(f.caption())).append("\"><figcaption>").append(inlineHtml(f.caption()))
                    .append("</figcaption></figure>\n");
            }
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String inlineHtml(String markdown) {
        String e = escape(markdown.replace("\\<", "<").replace("\\>", ">"));
        return e.replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>").replaceAll("`([^`]+)`", "<code>$1</code>");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
