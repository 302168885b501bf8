package dev.streamcl.report;

import dev.streamcl.report.ReportData.LearnerReport;
import java.util.ArrayList;
import java.util.List;

/** The report's summary as a fixed-width table for the terminal: header, rule, one line per learner. */
public final class SummaryTable {
  private static final String GAP = "  ";

  private SummaryTable() {}

  public static String format(ReportData data) {
    List<List<String>> rows = new ArrayList<>();
    for (LearnerReport learner : data.learners()) {
      rows.add(SummaryColumns.cells(learner));
    }
    int[] widths = columnWidths(rows);
    StringBuilder out = new StringBuilder();
    out.append(line(SummaryColumns.HEADERS, widths)).append('\n');
    out.append(rule(widths)).append('\n');
    for (List<String> row : rows) {
      out.append(line(row, widths)).append('\n');
    }
    return out.toString();
  }

  private static int[] columnWidths(List<List<String>> rows) {
    int[] widths = new int[SummaryColumns.HEADERS.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = SummaryColumns.HEADERS.get(c).length();
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    return widths;
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < widths.length; c++) {
      if (c > 0) {
        line.append(GAP);
      }
      line.append(padded(cells.get(c), widths[c], SummaryColumns.isNumeric(c)));
    }
    return line.toString().stripTrailing();
  }

  private static String padded(String cell, int width, boolean alignRight) {
    String padding = " ".repeat(width - cell.length());
    return alignRight ? padding + cell : cell + padding;
  }

  private static String rule(int[] widths) {
    int total = GAP.length() * (widths.length - 1);
    for (int w : widths) {
      total += w;
    }
    return "-".repeat(total);
  }
}
