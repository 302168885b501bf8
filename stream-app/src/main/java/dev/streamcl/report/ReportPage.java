package dev.streamcl.report;

import dev.streamcl.report.ReportData.LearnerReport;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The report as one self-contained HTML page: inline style and script, images as data: URIs, so the
 * file still works when moved away from its PNGs.
 */
final class ReportPage {
  /** A chart to embed: its element id, alt text and PNG bytes. */
  record Image(String id, String alt, byte[] png) {}

  private static final String STYLE = """
      body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
      h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
      h2 { font-size: 1.2rem; margin-top: 2rem; }
      dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
      dl.meta dt { font-weight: 600; }
      dl.meta dd { margin: 0; }
      table { border-collapse: collapse; }
      th, td { border: 1px solid #ccc; padding: 0.3rem 0.7rem; }
      th { background: #f3f3f3; text-align: left; }
      td.number { text-align: right; font-variant-numeric: tabular-nums; }
      figure { margin: 1rem 0; }
      img { max-width: 100%; height: auto; border: 1px solid #eee; }
      pre { font-size: 0.8rem; background: #fafafa; border: 1px solid #eee; padding: 0.7rem; overflow-x: auto; }
      """;

  // Lets a headless browser prove the data: URIs decode: body gets data-images-loaded="N/M".
  private static final String IMAGE_CHECK = """
      window.addEventListener('load', function () {
        var images = Array.prototype.slice.call(document.images);
        var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; });
        document.body.dataset.imagesLoaded = loaded.length + '/' + images.length;
      });
      """;

  private ReportPage() {}

  /** The accuracy chart comes first; the rest are matrices. */
  static String html(ReportData data, Image accuracy, List<Image> matrices, List<ReportSection> extra) {
    StringBuilder page = new StringBuilder();
    page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(escape(data.title())).append("</title>\n")
        .append("<style>\n").append(STYLE).append("</style>\n")
        .append("<script>\n").append(IMAGE_CHECK).append("</script>\n")
        .append("</head>\n<body>\n")
        .append("<h1>").append(escape(data.title())).append("</h1>\n");
    appendExperiment(page, data);
    page.append("<h2>Summary</h2>\n");
    appendSummary(page, data.learners());
    page.append("<h2>Accuracy over the stream</h2>\n");
    appendFigure(page, accuracy);
    if (!matrices.isEmpty()) {
      page.append("<h2>Accuracy matrices</h2>\n");
    }
    for (Image matrix : matrices) {
      appendFigure(page, matrix);
    }
    appendDrifts(page, data.learners());
    for (ReportSection section : extra) {
      page.append("<h2>").append(escape(section.title())).append("</h2>\n<pre id=\"").append(escape(section.id()))
          .append("\">").append(escape(section.preformatted())).append("</pre>\n");
    }
    page.append("</body>\n</html>\n");
    return page.toString();
  }

  private static void appendExperiment(StringBuilder page, ReportData data) {
    page.append("<dl class=\"meta\">\n");
    appendTerm(page, "scenario", data.scenario());
    appendTerm(page, "stream", data.streamId());
    appendTerm(page, "seed", Long.toString(data.seed()));
    appendTerm(page, "task starts (samples seen)", data.taskStarts().isEmpty() ? "none (no sharp task boundaries)"
        : data.taskStarts().stream().map(String::valueOf).collect(Collectors.joining(", ")));
    page.append("</dl>\n");
  }

  private static void appendTerm(StringBuilder page, String term, String value) {
    page.append("<dt>").append(escape(term)).append("</dt><dd>").append(escape(value)).append("</dd>\n");
  }

  private static void appendSummary(StringBuilder page, List<LearnerReport> learners) {
    page.append("<table id=\"summary\">\n<thead><tr>");
    for (String header : SummaryColumns.HEADERS) {
      page.append("<th>").append(escape(header)).append("</th>");
    }
    page.append("</tr></thead>\n<tbody>\n");
    for (LearnerReport learner : learners) {
      page.append("<tr data-learner=\"").append(escape(learner.learner())).append("\">");
      List<String> cells = SummaryColumns.cells(learner);
      for (int c = 0; c < cells.size(); c++) {
        page.append(SummaryColumns.isNumeric(c) ? "<td class=\"number\">" : "<td>")
            .append(escape(cells.get(c))).append("</td>");
      }
      page.append("</tr>\n");
    }
    page.append("</tbody>\n</table>\n");
  }

  /** Where each learner's drift detector fired (the triangles of the accuracy chart). */
  private static void appendDrifts(StringBuilder page, List<LearnerReport> learners) {
    page.append("<h2>Drift in the prequential error</h2>\n<ul id=\"drift\">\n");
    for (LearnerReport learner : learners) {
      page.append("<li data-learner=\"").append(escape(learner.learner())).append("\"><b>")
          .append(escape(learner.learner())).append("</b>: ").append(escape(DriftLines.describe(learner)));
      for (ReportData.DriftMark drift : learner.drifts()) {
        page.append(String.format(Locale.ROOT, "<br>sample %,d: error %.1f%% → %.1f%%", drift.position(),
            100 * drift.errorBefore(), 100 * drift.errorAfter()));
      }
      page.append("</li>\n");
    }
    page.append("</ul>\n");
  }

  private static void appendFigure(StringBuilder page, Image image) {
    page.append("<figure>\n<img id=\"").append(escape(image.id())).append("\" alt=\"").append(escape(image.alt()))
        .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(image.png()))
        .append("\">\n<figcaption>").append(escape(image.alt())).append("</figcaption>\n</figure>\n");
  }

  /** Text and attribute values alike. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
