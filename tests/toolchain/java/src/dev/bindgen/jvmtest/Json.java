package dev.bindgen.jvmtest;

/** JSON text helpers shared by the drivers that report results to the Python side. */
public final class Json {
  private Json() {}

  /** {@code s} as a JSON string literal: quotes and backslashes escaped, control characters as \\u. */
  public static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') q.append('\\').append(c);
      else if (c < 0x20) q.append(String.format("\\u%04x", (int) c));
      else q.append(c);
    }
    return q.append('"').toString();
  }
}
