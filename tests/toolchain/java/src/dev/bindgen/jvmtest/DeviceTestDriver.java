package dev.bindgen.jvmtest;

import android.app.Instrumentation;
import android.content.Context;
import android.content.ContextWrapper;
import android.content.res.AssetManager;
import android.os.Bundle;
import androidx.test.platform.app.InstrumentationRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.Test;
import org.junit.internal.AssumptionViolatedException;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;
import org.robolectric.annotation.GraphicsMode;

/**
 * Runs a generated project's device tests ({@code app/src/androidTest}) inside Robolectric, with a
 * real TFLite interpreter, and writes one line per test method: {@code Class.method\tPASS|FAIL|SKIP\tmessage}.
 *
 * <p>The tests reach the app through androidx.test's {@link InstrumentationRegistry}, as under
 * AndroidJUnitRunner on a device; here it holds an {@link Instrumentation} whose target context
 * has the project's assets (an APK-style zip, stored entries under assets/).
 *
 * <p>System property {@code bindgen.device.cases}: a file with one line per project,
 * {@code <assets zip>\t<comma-separated test classes>\t<output file>}.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = 34)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
public class DeviceTestDriver {
  @Test
  public void runDeviceTests() throws Exception {
    List<String> lines = Files.readAllLines(Paths.get(System.getProperty("bindgen.device.cases")));
    for (String line : lines) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t");
      runProject(f[0], f[1].split(","), f[2]);
    }
  }

  private static void runProject(String apk, String[] classes, String out) throws Exception {
    AssetManager assets = new AssetManager();
    if (assets.addAssetPath(apk) == 0) throw new IllegalArgumentException("cannot open assets " + apk);
    Context context =
        new ContextWrapper(RuntimeEnvironment.getApplication()) {
          @Override
          public AssetManager getAssets() {
            return assets;
          }
        };
    StringBuilder status = new StringBuilder();
    Instrumentation instrumentation =
        new Instrumentation() {
          @Override
          public Context getTargetContext() {
            return context;
          }

          @Override
          public Context getContext() {
            return context;
          }

          @Override
          public void sendStatus(int resultCode, Bundle results) {
            status.append(results.getString("stream", ""));
          }
        };
    InstrumentationRegistry.registerInstance(instrumentation, new Bundle());
    StringBuilder report = new StringBuilder();
    for (String name : classes) {
      Class<?> cls = Class.forName(name);
      Method[] methods = cls.getMethods();
      Arrays.sort(methods, Comparator.comparing(Method::getName));
      for (Method method : methods) {
        if (!method.isAnnotationPresent(Test.class)) continue;
        String result = "PASS";
        String message = "";
        try {
          method.invoke(cls.getDeclaredConstructor().newInstance());
        } catch (InvocationTargetException e) {
          Throwable cause = e.getCause();
          result = cause instanceof AssumptionViolatedException ? "SKIP" : "FAIL";
          message = String.valueOf(cause).replaceAll("\\s+", " ");
        }
        report.append(cls.getSimpleName()).append('.').append(method.getName()).append('\t');
        report.append(result).append('\t').append(message).append('\n');
      }
    }
    Files.write(Paths.get(out), report.toString().getBytes(StandardCharsets.UTF_8));
    Files.write(Paths.get(out + ".status"), status.toString().getBytes(StandardCharsets.UTF_8));
  }
}
