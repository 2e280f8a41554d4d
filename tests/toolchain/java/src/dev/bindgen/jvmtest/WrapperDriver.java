package dev.bindgen.jvmtest;

import static dev.bindgen.jvmtest.Json.quote;

import android.content.Context;
import android.content.ContextWrapper;
import android.content.res.AssetManager;
import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import android.graphics.RectF;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;
import org.robolectric.annotation.GraphicsMode;
import org.tensorflow.lite.InterpreterApi;
import org.tensorflow.lite.support.common.FileUtil;
import org.tensorflow.lite.support.image.TensorImage;
import org.tensorflow.lite.support.label.Category;
import org.tensorflow.lite.support.tensorbuffer.TensorBuffer;

/**
 * Runs generated wrappers inside Robolectric (real Android framework code, native graphics) and
 * writes what their {@code process(Bitmap)} returned as JSON, for tests/toolchain/jvm.py to compare
 * with {@code bindgen run}.
 *
 * <p>System properties: {@code bindgen.jvm.cases}, a file with one case per line,
 * {@code <wrapper class>\t<assets apk>\t<output json>\t<input>...}, one {@code <input>} per model
 * input: {@code image|<png>} (passed as a Bitmap), {@code TensorBuffer|<npy>|<DataType>|<shape>} or
 * {@code ByteBuffer|<npy>} (the .npy's data bytes, little-endian, as the twin reads them);
 * {@code bindgen.jvm.bench}, a number of timed iterations (0: no benchmark; image models only).
 *
 * <p>Every public property of {@code Outputs} is read and written: TensorBuffers as floats,
 * ByteBuffers as their bytes, Bitmaps as ARGB pixels, TensorImages with their color space and
 * values, other result classes through their getters. A value it cannot write fails the run.
 *
 * <p>The wrapper gets a Context whose assets are the given APK-style zip (entries stored
 * uncompressed under assets/, as Android packages .tflite files), so {@code newInstance} runs the
 * real {@code FileUtil.loadMappedFile} → {@code AssetManager.openFd} → mmap path.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = 34)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
public class WrapperDriver {
  @Test
  public void runCases() throws Exception {
    int bench = Integer.getInteger("bindgen.jvm.bench", 0);
    List<String> lines = Files.readAllLines(Paths.get(System.getProperty("bindgen.jvm.cases")));
    for (String line : lines) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t");
      try {
        runCase(f[0], f[1], f[2], Arrays.copyOfRange(f, 3, f.length), bench);
      } catch (java.lang.reflect.InvocationTargetException e) {
        // the wrapper itself threw: recorded for the harness to judge (a model no runtime here can
        // run must fail on the twin too), the other cases still run
        Throwable cause = e.getCause();
        String error = cause.getClass().getName() + ": " + cause.getMessage();
        Files.write(Paths.get(f[2]), ("{\"error\": " + quote(error) + "}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static Context contextWithAssets(String apk) {
    AssetManager assets = new AssetManager();
    if (assets.addAssetPath(apk) == 0) {
      throw new IllegalArgumentException("cannot open assets " + apk);
    }
    return new ContextWrapper(RuntimeEnvironment.getApplication()) {
      @Override
      public AssetManager getAssets() {
        return assets;
      }
    };
  }

  private static void runCase(String className, String apk, String out, String[] inputs, int bench)
      throws Exception {
    Context context = contextWithAssets(apk);
    Class<?> cls = Class.forName(className);
    Object wrapper = cls.getMethod("newInstance", Context.class).invoke(null, context);
    Object[] args = new Object[inputs.length];
    Class<?>[] types = new Class<?>[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      args[i] = input(inputs[i].split("\\|"));
      types[i] = args[i] instanceof Bitmap ? Bitmap.class
          : args[i] instanceof TensorBuffer ? TensorBuffer.class : ByteBuffer.class;
    }
    Method process = cls.getMethod("process", types);
    Object outputs = process.invoke(wrapper, args);
    Bitmap bitmap = args.length == 1 && args[0] instanceof Bitmap ? (Bitmap) args[0] : null;
    StringBuilder json = new StringBuilder("{\"outputs\": {");
    boolean first = true;
    for (Map.Entry<String, Object> e : properties(outputs).entrySet()) {
      json.append(first ? "" : ", ").append(quote(e.getKey())).append(": ");
      value(json, e.getValue());
      first = false;
    }
    json.append("}");
    if (bench > 0 && bitmap != null) json.append(", \"bench\": ").append(bench(wrapper, process, bitmap, apk, cls, bench));
    json.append("}\n");
    Files.write(Paths.get(out), json.toString().getBytes(StandardCharsets.UTF_8));
    ((AutoCloseable) wrapper).close();
  }

  /**
   * Median nanoseconds of wrapper.process(bitmap) (outputs read), of the same job hand-written with
   * the Support Library ({@link HandWritten}) and of the bare interpreter on the same model.
   */
  private static String bench(Object wrapper, Method process, Bitmap bitmap, String apk, Class<?> cls, int n)
      throws Exception {
    // All three: same model, same thread count as the wrapper's default Options. The bare
    // interpreter gets inputs already preprocessed (zeros, the right size) and preallocated outputs.
    String asset = (String) cls.getField("MODEL_ASSET").get(null);
    ByteBuffer model = FileUtil.loadMappedFile(contextWithAssets(apk), asset);
    int threads = optionsThreads(cls);
    try (InterpreterApi raw = InterpreterApi.create(model, new InterpreterApi.Options().setNumThreads(threads));
        HandWritten hand = new HandWritten(cls.getName(), model, threads)) {
      Object[] inputs = new Object[raw.getInputTensorCount()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = ByteBuffer.allocateDirect(raw.getInputTensor(i).numBytes()).order(ByteOrder.nativeOrder());
      }
      Map<Integer, Object> outputs = new TreeMap<>();
      for (int i = 0; i < raw.getOutputTensorCount(); i++) {
        outputs.put(i, ByteBuffer.allocateDirect(raw.getOutputTensor(i).numBytes()).order(ByteOrder.nativeOrder()));
      }
      long[] wrapped = new long[n];
      long[] handMade = new long[n];
      long[] bare = new long[n];
      for (int warm = 0; warm < 5; warm++) {
        properties(process.invoke(wrapper, bitmap));
        hand.run(bitmap);
        for (Object o : outputs.values()) ((ByteBuffer) o).rewind();
        raw.runForMultipleInputsOutputs(inputs, outputs);
      }
      if (!HandWritten.sameAs(hand.run(bitmap), properties(process.invoke(wrapper, bitmap)))) {
        throw new AssertionError("the hand-written baseline's results differ from " + cls.getName() + "'s");
      }
      long[][] times = {wrapped, handMade, bare};
      for (int k = 0; k < n; k++) {  // interleaved, each of the three first in turn: drift and order hit all alike
        for (int j = 0; j < 3; j++) {
          int side = (k + j) % 3;
          long t0 = System.nanoTime();
          if (side == 0) {
            properties(process.invoke(wrapper, bitmap));  // decode outputs too: that is the wrapper's work
          } else if (side == 1) {
            hand.run(bitmap);
          } else {
            for (Object o : outputs.values()) ((ByteBuffer) o).rewind();
            raw.runForMultipleInputsOutputs(inputs, outputs);
          }
          times[side][k] = System.nanoTime() - t0;
        }
      }
      Arrays.sort(wrapped);
      Arrays.sort(handMade);
      Arrays.sort(bare);
      return "{\"iterations\": " + n + ", \"threads\": " + threads + ", \"wrapper_median_ns\": " + wrapped[n / 2]
          + ", \"handwritten_median_ns\": " + handMade[n / 2]
          + ", \"interpreter_median_ns\": " + bare[n / 2] + "}";
    }
  }

  /** One process() argument from its case-table field (split on '|'). */
  private static Object input(String[] spec) throws IOException {
    switch (spec[0]) {
      case "image":
        Bitmap bitmap = BitmapFactory.decodeFile(spec[1]);
        if (bitmap == null) throw new IOException("cannot decode " + spec[1]);
        return bitmap;
      case "TensorBuffer":
        int[] shape = Arrays.stream(spec[3].split(",")).mapToInt(Integer::parseInt).toArray();
        TensorBuffer buffer = TensorBuffer.createFixedSize(shape, org.tensorflow.lite.DataType.valueOf(spec[2]));
        buffer.loadBuffer(npy(spec[1]));
        return buffer;
      case "ByteBuffer":
        return npy(spec[1]);
      default:
        throw new IllegalArgumentException("unknown input kind " + spec[0]);
    }
  }

  /** The data bytes of a .npy file (format 1.0/2.0, little-endian data) in a direct native-order buffer. */
  private static ByteBuffer npy(String path) throws IOException {
    byte[] file = Files.readAllBytes(Paths.get(path));
    ByteBuffer header = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int major = file[6];
    int start = major == 1 ? 10 + (header.getShort(8) & 0xFFFF) : 12 + header.getInt(8);
    ByteBuffer data = ByteBuffer.allocateDirect(file.length - start).order(ByteOrder.nativeOrder());
    data.put(file, start, file.length - start);
    data.rewind();
    return data;
  }

  private static int optionsThreads(Class<?> cls) throws Exception {
    Class<?> options = Class.forName(cls.getName() + "$Options");
    return (Integer) options.getMethod("getNumThreads").invoke(options.getConstructor().newInstance());
  }

  private static final Map<Class<?>, Map<String, Method>> GETTERS = new java.util.HashMap<>();

  /**
   * The Outputs' public getters, by Kotlin property name (lazy properties are evaluated here). The
   * getters are looked up once per class: reflection is the driver's cost, not the wrapper's.
   */
  private static Map<String, Object> properties(Object outputs) throws Exception {
    Map<String, Method> getters = GETTERS.computeIfAbsent(outputs.getClass(), WrapperDriver::getters);
    Map<String, Object> props = new TreeMap<>();
    for (Map.Entry<String, Method> e : getters.entrySet()) props.put(e.getKey(), e.getValue().invoke(outputs));
    return props;
  }

  private static Map<String, Method> getters(Class<?> cls) {
    Map<String, Method> getters = new TreeMap<>();
    for (Method m : cls.getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) continue;
      if (m.getDeclaringClass() != cls) continue;
      if (!m.getName().startsWith("get")) continue;
      getters.put(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), m);
    }
    return getters;
  }

  private static void value(StringBuilder json, Object v) throws Exception {
    if (v instanceof TensorBuffer) {
      floats(json, ((TensorBuffer) v).getFloatArray());
    } else if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      b.rewind();
      List<String> parts = new ArrayList<>();
      while (b.hasRemaining()) parts.add(Byte.toString(b.get()));
      json.append("{\"bytes\": [").append(String.join(", ", parts)).append("]}");
    } else if (v instanceof float[]) {
      floats(json, (float[]) v);
    } else if (v instanceof int[]) {
      json.append(Arrays.toString((int[]) v));
    } else if (v instanceof Bitmap) {
      Bitmap bitmap = (Bitmap) v;
      int[] argb = new int[bitmap.getWidth() * bitmap.getHeight()];
      bitmap.getPixels(argb, 0, bitmap.getWidth(), 0, 0, bitmap.getWidth(), bitmap.getHeight());
      json.append("{\"bitmap\": {\"width\": ").append(bitmap.getWidth()).append(", \"height\": ")
          .append(bitmap.getHeight()).append(", \"config\": ").append(quote(String.valueOf(bitmap.getConfig())))
          .append(", \"argb\": ").append(Arrays.toString(argb)).append("}}");
    } else if (v instanceof TensorImage) {
      TensorImage image = (TensorImage) v;
      json.append("{\"tensor_image\": {\"width\": ").append(image.getWidth()).append(", \"height\": ")
          .append(image.getHeight()).append(", \"color_space\": ").append(quote(image.getColorSpaceType().name()))
          .append(", \"values\": ");
      floats(json, image.getTensorBuffer().getFloatArray());
      json.append("}}");
    } else if (v instanceof String) {
      json.append(quote((String) v));
    } else if (v instanceof Number) {
      json.append(v);
    } else if (v instanceof Category) {
      Category c = (Category) v;
      json.append("{\"label\": ").append(quote(c.getLabel())).append(", \"index\": ").append(c.getIndex())
          .append(", \"score\": ").append(c.getScore()).append("}");
    } else if (v instanceof List) {
      json.append("[");
      boolean first = true;
      for (Object o : (List<?>) v) {
        json.append(first ? "" : ", ");
        value(json, o);
        first = false;
      }
      json.append("]");
    } else if (v != null && hasGetter(v, "getLocation")) {  // DetectionResult
      RectF r = (RectF) v.getClass().getMethod("getLocation").invoke(v);
      json.append("{\"label\": ").append(quote((String) v.getClass().getMethod("getLabel").invoke(v)))
          .append(", \"index\": ").append(v.getClass().getMethod("getIndex").invoke(v))
          .append(", \"score\": ").append(v.getClass().getMethod("getScore").invoke(v))
          .append(", \"box\": {\"left\": ").append(r.left).append(", \"top\": ").append(r.top)
          .append(", \"right\": ").append(r.right).append(", \"bottom\": ").append(r.bottom).append("}}");
    } else if (v != null && v.getClass().getName().startsWith(PACKAGE_OF_GENERATED)) {
      // a generated result class (Segmentation, …): its getters, as an object
      json.append("{");
      boolean first = true;
      for (Map.Entry<String, Method> e : getters(v.getClass()).entrySet()) {
        json.append(first ? "" : ", ").append(quote(e.getKey())).append(": ");
        value(json, e.getValue().invoke(v));
        first = false;
      }
      json.append("}");
    } else {
      throw new IllegalStateException("the driver cannot write a " + (v == null ? "null" : v.getClass().getName()));
    }
  }

  private static final String PACKAGE_OF_GENERATED = "dev.bindgen.jvmtest.";

  private static boolean hasGetter(Object v, String name) {
    try {
      v.getClass().getMethod(name);
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static void floats(StringBuilder json, float[] values) {
    List<String> parts = new ArrayList<>();
    for (float x : values) parts.add(Float.isFinite(x) ? Float.toString(x) : "null");
    json.append("[").append(String.join(", ", parts)).append("]");
  }
}
