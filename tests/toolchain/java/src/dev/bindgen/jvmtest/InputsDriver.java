package dev.bindgen.jvmtest;

import static dev.bindgen.jvmtest.Json.quote;

import android.content.Context;
import android.content.ContextWrapper;
import android.content.res.AssetManager;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;
import org.tensorflow.lite.support.audio.TensorAudio;
import org.tensorflow.lite.support.label.Category;
import org.tensorflow.lite.support.tensorbuffer.TensorBuffer;

/**
 * Runs the typed text and audio overloads of generated wrappers inside Robolectric and writes what
 * they returned as JSON, for tests/toolchain/jvm_inputs.py to compare with the twin and the Task
 * Library.
 *
 * <p>System property {@code bindgen.jvm.inputs}: a file with one case per line, {@code <wrapper
 * class>\t<assets apk>\t<text|audio>\t<input>\t<output json>}. Text input: one base64 UTF-8 string
 * per line, each run through {@code process(String)} and {@code tokenize(String)}. Audio input:
 * little-endian float32 samples, run through {@code process(FloatArray)} and, loaded into
 * {@code createInputTensorAudio()}, {@code process(TensorAudio)}.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = 34)
public class InputsDriver {
  @Test
  public void runCases() throws Exception {
    for (String line : Files.readAllLines(Paths.get(System.getProperty("bindgen.jvm.inputs")))) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t");
      Class<?> cls = Class.forName(f[0]);
      Object wrapper = cls.getMethod("newInstance", Context.class).invoke(null, contextWithAssets(f[1]));
      String json = f[2].equals("text") ? text(cls, wrapper, f[3]) : audio(cls, wrapper, f[3]);
      Files.write(Paths.get(f[4]), json.getBytes(StandardCharsets.UTF_8));
      ((AutoCloseable) wrapper).close();
    }
  }

  private static Context contextWithAssets(String apk) {
    AssetManager assets = new AssetManager();
    if (assets.addAssetPath(apk) == 0) throw new IllegalArgumentException("cannot open assets " + apk);
    return new ContextWrapper(RuntimeEnvironment.getApplication()) {
      @Override
      public AssetManager getAssets() {
        return assets;
      }
    };
  }

  private static String text(Class<?> cls, Object wrapper, String input) throws Exception {
    Method process = cls.getMethod("process", String.class);
    Method tokenize = cls.getMethod("tokenize", String.class);
    StringBuilder json = new StringBuilder("[");
    boolean first = true;
    for (String encoded : Files.readAllLines(Paths.get(input))) {
      String text = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      Object tokens = tokenize.invoke(wrapper, text);
      json.append(first ? "" : ", ").append("{\"outputs\": ");
      outputs(json, process.invoke(wrapper, text));
      json.append(", \"tokens\": {");
      String[] fields = {"ids", "mask", "segmentIds"};
      for (int i = 0; i < fields.length; i++) {
        String getter = "get" + Character.toUpperCase(fields[i].charAt(0)) + fields[i].substring(1);
        int[] values = (int[]) tokens.getClass().getMethod(getter).invoke(tokens);
        json.append(i == 0 ? "" : ", ").append('"').append(fields[i]).append("\": ");
        List<String> parts = new ArrayList<>();
        for (int v : values) parts.add(Integer.toString(v));
        json.append("[").append(String.join(", ", parts)).append("]");
      }
      json.append("}}");
      first = false;
    }
    return json.append("]\n").toString();
  }

  private static String audio(Class<?> cls, Object wrapper, String input) throws Exception {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Paths.get(input))).order(ByteOrder.LITTLE_ENDIAN);
    float[] samples = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(samples);
    StringBuilder json = new StringBuilder("{\"samples\": ");
    outputs(json, cls.getMethod("process", float[].class).invoke(wrapper, (Object) samples));
    TensorAudio audio = (TensorAudio) cls.getMethod("createInputTensorAudio").invoke(wrapper);
    audio.load(new float[] {0.5f, -0.5f, 0.25f});  // pushed out by the full clip loaded next
    audio.load(samples);
    json.append(", \"tensor_audio\": ");
    outputs(json, cls.getMethod("process", TensorAudio.class).invoke(wrapper, audio));
    String refused = "";
    try {
      cls.getMethod("process", float[].class).invoke(wrapper, (Object) new float[samples.length - 1]);
    } catch (java.lang.reflect.InvocationTargetException e) {
      refused = e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
    }
    json.append(", \"short_clip\": ").append(quote(refused));
    return json.append("}\n").toString();
  }

  /** The Outputs' getters (lazy properties evaluated): categories and raw TensorBuffers. */
  private static void outputs(StringBuilder json, Object outputs) throws Exception {
    Map<String, Object> props = new TreeMap<>();
    for (Method m : outputs.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) continue;
      if (m.getDeclaringClass() != outputs.getClass() || !m.getName().startsWith("get")) continue;
      props.put(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), m.invoke(outputs));
    }
    json.append("{");
    boolean first = true;
    for (Map.Entry<String, Object> e : props.entrySet()) {
      Object v = e.getValue();
      String value;
      if (v instanceof TensorBuffer) {
        List<String> parts = new ArrayList<>();
        for (float x : ((TensorBuffer) v).getFloatArray()) parts.add(Float.toString(x));
        value = "[" + String.join(", ", parts) + "]";
      } else if (v instanceof List) {
        List<String> parts = new ArrayList<>();
        for (Object o : (List<?>) v) {
          Category c = (Category) o;
          parts.add("{\"label\": " + quote(c.getLabel()) + ", \"index\": " + c.getIndex() + ", \"score\": "
              + c.getScore() + "}");
        }
        value = "[" + String.join(", ", parts) + "]";
      } else {
        continue;
      }
      json.append(first ? "" : ", ").append(quote(e.getKey())).append(": ").append(value);
      first = false;
    }
    json.append("}");
  }
}
