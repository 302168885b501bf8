package dev.streamcl.report;

/**
 * A section the report shows as given, in a fixed-width block: a table another command printed (the
 * {@code streamcl bench} figures), so the terminal and the report show the same lines.
 */
public record ReportSection(String id, String title, String preformatted) {}
