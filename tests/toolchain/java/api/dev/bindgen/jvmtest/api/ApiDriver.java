package dev.bindgen.jvmtest.api;

import static dev.bindgen.jvmtest.Json.quote;

import android.content.Context;
import android.content.ContextWrapper;
import android.content.res.AssetManager;
import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import android.graphics.Matrix;
import android.graphics.RectF;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
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
import org.tensorflow.lite.DataType;
import org.tensorflow.lite.InterpreterApi;
import org.tensorflow.lite.InterpreterFactoryImpl;
import org.tensorflow.lite.support.image.TensorImage;
import org.tensorflow.lite.support.label.Category;
import org.tensorflow.lite.support.tensorbuffer.TensorBuffer;

/**
 * Exercises the generated wrappers' API (devices and fallback, bitmap configs, rotation, the
 * caller's objects, leaks) inside Robolectric with the real Support Library and a real
 * interpreter, and writes what happened as JSON for tests/test_wrapper_api.py to judge.
 *
 * <p>System property {@code bindgen.api.cases}: a file with one case per line, {@code
 * <scenario>\t<wrapper class>\t<assets apk>\t<input png>\t<output json>}.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = 34)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
public class ApiDriver {
  @Test
  public void runCases() throws Exception {
    for (String line : Files.readAllLines(Paths.get(System.getProperty("bindgen.api.cases")))) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t");
      Context context = contextWithAssets(f[2]);
      Class<?> cls = Class.forName(f[1]);
      String json;
      switch (f[0]) {
        case "outputs":
          json = withWrapper(cls, context, w -> outputs(process(w, decode(f[3]))));
          break;
        case "rotation":
          json = withWrapper(cls, context, w -> rotation(w, decode(f[3])));
          break;
        case "configs":
          json = withWrapper(cls, context, w -> configs(w, decode(f[3])));
          break;
        case "tensorimage":
          json = withWrapper(cls, context, w -> tensorImage(w, decode(f[3])));
          break;
        case "buffers":
          json = withWrapper(cls, context, ApiDriver::buffers);
          break;
        case "devices":
          json = devices(cls, context, decode(f[3]));
          break;
        case "leak":
          json = leak(cls, context);
          break;
        case "java":
          json = JavaCaller.run(context, decode(f[3]));
          break;
        default:
          throw new IllegalArgumentException("unknown scenario " + f[0]);
      }
      Files.write(Paths.get(f[4]), (json + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  interface Body {
    String apply(Object wrapper) throws Exception;
  }

  private static String withWrapper(Class<?> cls, Context context, Body body) throws Exception {
    Object wrapper = cls.getMethod("newInstance", Context.class).invoke(null, context);
    try {
      return body.apply(wrapper);
    } finally {
      ((AutoCloseable) wrapper).close();
    }
  }

  static Context contextWithAssets(String apk) {
    AssetManager assets = new AssetManager();
    if (assets.addAssetPath(apk) == 0) throw new IllegalArgumentException("cannot open assets " + apk);
    return new ContextWrapper(RuntimeEnvironment.getApplication()) {
      @Override
      public AssetManager getAssets() {
        return assets;
      }
    };
  }

  static Bitmap decode(String png) {
    Bitmap bitmap = BitmapFactory.decodeFile(png);
    if (bitmap == null) throw new IllegalArgumentException("cannot decode " + png);
    return bitmap;
  }

  private static Object process(Object wrapper, Object... args) throws Exception {
    for (Method m : wrapper.getClass().getMethods()) {
      if (!m.getName().equals("process") || m.getParameterCount() != args.length) continue;
      Class<?>[] types = m.getParameterTypes();
      boolean fits = true;
      for (int i = 0; i < args.length; i++) {
        Class<?> t = types[i] == int.class ? Integer.class : types[i];
        fits &= t.isInstance(args[i]);
      }
      if (fits) {
        try {
          return m.invoke(wrapper, args);
        } catch (InvocationTargetException e) {
          if (e.getCause() instanceof Exception) throw (Exception) e.getCause();
          throw (Error) e.getCause();
        }
      }
    }
    throw new NoSuchMethodException("process" + Arrays.toString(args));
  }

  /** Rotation r: the upright picture turned r degrees counter-clockwise, then process(bitmap, r). */
  private static String rotation(Object wrapper, Bitmap upright) throws Exception {
    StringBuilder json = new StringBuilder("{");
    for (int degrees : new int[] {0, 90, 180, 270, -90, 450}) {
      Matrix turn = new Matrix();
      turn.postRotate(-degrees);
      Bitmap frame = Bitmap.createBitmap(upright, 0, 0, upright.getWidth(), upright.getHeight(), turn, false);
      json.append(degrees == 0 ? "" : ", ").append('"').append(degrees).append("\": ");
      json.append(outputs(process(wrapper, frame, degrees)));
    }
    json.append(", \"45\": ").append(failure(() -> process(wrapper, upright, 45)));
    return json.append("}").toString();
  }

  private static String configs(Object wrapper, Bitmap bitmap) throws Exception {
    StringBuilder json = new StringBuilder("{");
    boolean first = true;
    // HARDWARE is not tried: copying to it aborts Robolectric's native graphics ("unknown bitmap
    // configuration" in OpenGLRenderer) and kills the JVM. ARGB_4444 only has to run (lossy).
    Bitmap.Config[] configs = {
      Bitmap.Config.ARGB_8888, Bitmap.Config.RGB_565, Bitmap.Config.RGBA_F16, Bitmap.Config.ARGB_4444
    };
    for (Bitmap.Config config : configs) {
      json.append(first ? "" : ", ").append(quote(config.name())).append(": ");
      first = false;
      Bitmap copy;
      try {
        copy = bitmap.copy(config, false);
      } catch (RuntimeException e) {
        copy = null;
      }
      if (copy == null || copy.getConfig() != config) {
        json.append("{\"unavailable\": true}");  // this Robolectric cannot make one (e.g. HARDWARE)
        continue;
      }
      json.append(outputs(process(wrapper, copy)));
    }
    return json.append("}").toString();
  }

  /** process(TensorImage) must leave the caller's image as it was (size and pixels). */
  private static String tensorImage(Object wrapper, Bitmap bitmap) throws Exception {
    Bitmap big = Bitmap.createScaledBitmap(bitmap, bitmap.getWidth() * 2 + 3, bitmap.getHeight() + 5, true);
    TensorImage image = TensorImage.fromBitmap(big);
    String before = snapshot(image);
    String viaImage = outputs(process(wrapper, image));
    String after = snapshot(image);
    String viaBitmap = outputs(process(wrapper, big));
    return "{\"before\": " + before + ", \"after\": " + after + ", \"image\": " + viaImage
        + ", \"bitmap\": " + viaBitmap + "}";
  }

  private static String snapshot(TensorImage image) {
    ByteBuffer buffer = image.getBuffer();
    buffer.rewind();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return "{\"width\": " + image.getWidth() + ", \"height\": " + image.getHeight()
        + ", \"hash\": " + Arrays.hashCode(bytes) + "}";
  }

  /** The preprocessed-tensor overload with a right buffer and with each kind of wrong one. */
  private static String buffers(Object wrapper) throws Exception {
    Method raw = null;
    for (Method m : wrapper.getClass().getMethods()) {
      if (m.getName().equals("process") && m.getParameterCount() == 1
          && (m.getParameterTypes()[0] == TensorBuffer.class || m.getParameterTypes()[0] == ByteBuffer.class)) {
        raw = m;
      }
    }
    if (raw == null) throw new NoSuchMethodException("process(TensorBuffer|ByteBuffer)");
    int bytes = ((InterpreterApi) field(wrapper, "interpreter")).getInputTensor(0).numBytes();
    boolean tensorBuffer = raw.getParameterTypes()[0] == TensorBuffer.class;
    Map<String, ByteBuffer> cases = new TreeMap<>();
    cases.put("good", ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()));
    cases.put("heap", ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder()));
    ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    cases.put("order", ByteBuffer.allocateDirect(bytes).order(other));
    cases.put("size", ByteBuffer.allocateDirect(bytes + 4).order(ByteOrder.nativeOrder()));
    StringBuilder json = new StringBuilder("{");
    boolean first = true;
    final Method method = raw;
    for (Map.Entry<String, ByteBuffer> e : cases.entrySet()) {
      ByteBuffer buffer = e.getValue();
      Object arg = buffer;
      if (tensorBuffer) {
        TensorBuffer tb = TensorBuffer.createDynamic(DataType.FLOAT32);
        tb.loadBuffer(buffer, new int[] {buffer.capacity() / 4});
        arg = tb;
      }
      final Object value = arg;
      json.append(first ? "" : ", ").append(quote(e.getKey())).append(": ").append(failure(() -> {
        try {
          return method.invoke(wrapper, value);
        } catch (InvocationTargetException x) {
          throw x.getCause();
        }
      }));
      first = false;
    }
    return json.append(", \"tensor_buffer\": ").append(tensorBuffer).append("}").toString();
  }

  private static Object field(Object owner, String name) throws Exception {
    java.lang.reflect.Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  interface Call {
    Object call() throws Throwable;
  }

  /** {"ok": true} or {"error": class name, "message": …}. */
  private static String failure(Call call) {
    try {
      call.call();
      return "{\"ok\": true}";
    } catch (Throwable t) {
      return "{\"error\": " + quote(t.getClass().getName()) + ", \"message\": " + quote(String.valueOf(t.getMessage())) + "}";
    }
  }

  private static Object options(Class<?> cls, String device, boolean fallback) throws Exception {
    Class<?> options = Class.forName(cls.getName() + "$Options");
    Class<?> devices = Class.forName(cls.getName() + "$Device");
    Object entry = devices.getField(device).get(null);
    return options.getConstructor(devices, int.class, boolean.class).newInstance(entry, -1, fallback);
  }

  /** Which device each request really got, why, and whether it runs. */
  private static String devices(Class<?> cls, Context context, Bitmap bitmap) throws Exception {
    int baseline = InterpreterFactoryImpl.liveInterpreters();
    Class<?> optionsClass = Class.forName(cls.getName() + "$Options");
    Method create = cls.getMethod("newInstance", Context.class, optionsClass);
    StringBuilder json = new StringBuilder("{");
    Object defaults = optionsClass.getConstructor().newInstance();
    json.append("\"default_threads\": ").append(optionsClass.getMethod("getNumThreads").invoke(defaults));
    json.append(", \"default_device\": ").append(quote(String.valueOf(optionsClass.getMethod("getDevice").invoke(defaults))));
    String[][] requests = {{"CPU", "true"}, {"GPU", "true"}, {"GPU", "false"}, {"NNAPI", "true"}};
    for (String[] request : requests) {
      String key = request[0] + (request[1].equals("true") ? "" : "_no_fallback");
      json.append(", ").append(quote(key)).append(": ");
      Object wrapper;
      try {
        wrapper = create.invoke(null, context, options(cls, request[0], request[1].equals("true")));
      } catch (InvocationTargetException e) {
        json.append(failure(() -> {
          throw e.getCause();
        }));
        continue;
      }
      try {
        json.append("{\"device\": ").append(quote(String.valueOf(cls.getMethod("getDevice").invoke(wrapper))))
            .append(", \"fallback_reason\": ");
        Object reason = cls.getMethod("getFallbackReason").invoke(wrapper);
        json.append(reason == null ? "null" : quote((String) reason));
        json.append(", \"outputs\": ").append(outputs(process(wrapper, bitmap))).append("}");
      } finally {
        ((AutoCloseable) wrapper).close();
      }
    }
    json.append(", \"leaked\": ").append(InterpreterFactoryImpl.liveInterpreters() - baseline);
    return json.append("}").toString();
  }

  /** newInstance on assets whose model lacks the wrapper's packed files must close what it made. */
  private static String leak(Class<?> cls, Context context) throws Exception {
    StringBuilder json = new StringBuilder("{");
    boolean first = true;
    for (String device : new String[] {"CPU", "GPU"}) {
      int baseline = InterpreterFactoryImpl.liveInterpreters();
      Object opts = options(cls, device, true);
      Method create = cls.getMethod("newInstance", Context.class, opts.getClass());
      String result = failure(() -> {
        try {
          return create.invoke(null, context, opts);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
      json.append(first ? "" : ", ").append(quote(device)).append(": {\"result\": ").append(result)
          .append(", \"leaked\": ").append(InterpreterFactoryImpl.liveInterpreters() - baseline).append("}");
      first = false;
    }
    return json.append("}").toString();
  }

  private static final Map<Class<?>, Map<String, Method>> GETTERS = new java.util.HashMap<>();

  /** The decoded outputs (categories and detections) by Kotlin property name. */
  static String outputs(Object outputs) throws Exception {
    Map<String, Method> getters = GETTERS.computeIfAbsent(outputs.getClass(), ApiDriver::getters);
    StringBuilder json = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Method> e : getters.entrySet()) {
      Object v = e.getValue().invoke(outputs);
      if (!(v instanceof List)) continue;
      json.append(first ? "" : ", ").append(quote(e.getKey())).append(": ");
      first = false;
      value(json, v);
    }
    return json.append("}").toString();
  }

  private static Map<String, Method> getters(Class<?> cls) {
    Map<String, Method> getters = new TreeMap<>();
    for (Method m : cls.getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) continue;
      if (m.getDeclaringClass() != cls || !m.getName().startsWith("get")) continue;
      getters.put(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), m);
    }
    return getters;
  }

  private static void value(StringBuilder json, Object v) throws Exception {
    if (v instanceof Category) {
      Category c = (Category) v;
      json.append("{\"label\": ").append(quote(c.getLabel())).append(", \"index\": ").append(c.getIndex())
          .append(", \"score\": ").append(number(c.getScore())).append("}");
    } else if (v instanceof List) {
      json.append("[");
      boolean first = true;
      for (Object o : (List<?>) v) {
        json.append(first ? "" : ", ");
        value(json, o);
        first = false;
      }
      json.append("]");
    } else {  // DetectionResult
      Class<?> c = v.getClass();
      json.append("{\"label\": ").append(quote((String) c.getMethod("getLabel").invoke(v)))
          .append(", \"index\": ").append(c.getMethod("getIndex").invoke(v))
          .append(", \"score\": ").append(number((Float) c.getMethod("getScore").invoke(v)))
          .append(", \"box\": ").append(rect((RectF) c.getMethod("getLocation").invoke(v)))
          .append(", \"model_box\": ").append(rect((RectF) c.getMethod("getModelLocation").invoke(v))).append("}");
    }
  }

  private static String rect(RectF r) {
    return "{\"left\": " + number(r.left) + ", \"top\": " + number(r.top) + ", \"right\": " + number(r.right)
        + ", \"bottom\": " + number(r.bottom) + "}";
  }

  private static String number(float x) {
    return Float.isFinite(x) ? Float.toString(x) : "null";
  }
}
