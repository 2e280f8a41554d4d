package dev.bindgen.jvmtest;

import android.app.Application;
import android.content.res.AssetManager;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;
import org.robolectric.RobolectricTestRunner;

/**
 * Runs a generated project's own tests on this JVM: {@code app/src/androidTest} classes under
 * Robolectric (real framework code; the interpreter is the host one behind
 * {@code org.tensorflow.lite.InterpreterFactoryImpl}), {@code app/src/test} classes with plain JUnit
 * (as Gradle runs local unit tests).
 *
 * <p>Arguments, in order: {@code project:<package>=<assets zip>} (the project whose tests follow),
 * then {@code robolectric:Class[#method]} or {@code junit:Class}; many projects run in one JVM. The
 * assets zip is an APK-style zip of the project's {@code app/src/main/assets} (stored, as AGP
 * packages them), served by the application's {@link AssetManager}, so {@code Device.context.assets}
 * and {@code FileUtil.loadMappedFile} read the project's own files.
 * The SDK (34, the bundled android-all-instrumented) and {@link AssetsApplication} are set by the
 * {@code robolectric.properties} that tests/toolchain/project_tests.py puts on the classpath.
 * Prints one {@code project-test: <Class>#<method>: passed|failed|skipped [reason]} line per test.
 */
public final class ProjectTests {
  private ProjectTests() {}

  /** The app under test: Robolectric's application, with the project's assets. */
  public static class AssetsApplication extends Application {
    private AssetManager assets;

    @Override
    public AssetManager getAssets() {
      if (assets == null) {
        String apk = System.getProperty("bindgen.project.assets");
        AssetManager manager = new AssetManager();
        if (apk == null || manager.addAssetPath(apk) == 0) {
          throw new IllegalStateException("cannot open the project's assets " + apk);
        }
        assets = manager;
      }
      return assets;
    }
  }

  /**
   * {@code BenchmarkTest}'s CPU case: its {@code latencyTable} also measures GPU and NNAPI, whose
   * delegates cannot load here, so this calls the project's own {@code measure(Device.CPU)}.
   */
  public static class BenchmarkCpu {
    @org.junit.Test
    public void cpu() throws Exception {
      Class<?> bench = Class.forName(System.getProperty("bindgen.project.package") + ".BenchmarkTest");
      Method measure = null;
      for (Method m : bench.getDeclaredMethods()) {
        if (m.getName().equals("measure") && m.getParameterCount() == 1 && m.getParameterTypes()[0].isEnum()) {
          measure = m;
        }
      }
      if (measure == null) throw new AssertionError(bench.getName() + " has no measure(Device) for its CPU case");
      measure.setAccessible(true);
      Object cpu = null;
      for (Object constant : measure.getParameterTypes()[0].getEnumConstants()) {
        if (((Enum<?>) constant).name().equals("CPU")) cpu = constant;
      }
      Object result = measure.invoke(bench.getConstructor().newInstance(), cpu);
      if (result == null) throw new AssertionError("BenchmarkTest.measure(CPU) could not load the model");
      double median = (Double) result.getClass().getMethod("getFirst").invoke(result);
      double min = (Double) result.getClass().getMethod("getSecond").invoke(result);
      if (!(min > 0 && median >= min)) throw new AssertionError("latency median " + median + " min " + min);
      System.out.println("project-test-latency: CPU median " + median + " ms, min " + min + " ms");
    }
  }

  public static void main(String[] args) throws Exception {
    JUnitCore core = new JUnitCore();
    List<String> lines = new ArrayList<>();
    core.addListener(
        new RunListener() {
          private final List<Description> failed = new ArrayList<>();

          @Override
          public void testFailure(Failure failure) {
            failed.add(failure.getDescription());
            String trace = failure.getTrace();
            lines.add(name(failure.getDescription()) + ": failed " + oneLine(failure.getMessage()));
            System.err.println(trace);
          }

          @Override
          public void testAssumptionFailure(Failure failure) {
            failed.add(failure.getDescription());
            lines.add(name(failure.getDescription()) + ": skipped " + oneLine(failure.getMessage()));
          }

          @Override
          public void testFinished(Description description) {
            if (!failed.contains(description)) lines.add(name(description) + ": passed");
          }
        });
    boolean ok = true;
    for (String arg : args) {
      String[] kindAndTest = arg.split(":", 2);
      if (kindAndTest[0].equals("project")) {
        String[] packageAndAssets = kindAndTest[1].split("=", 2);
        System.setProperty("bindgen.project.package", packageAndAssets[0]);
        System.setProperty("bindgen.project.assets", packageAndAssets[1]);
        continue;
      }
      String[] classAndMethod = kindAndTest[1].split("#", 2);
      Class<?> cls = Class.forName(classAndMethod[0], false, ProjectTests.class.getClassLoader());
      Request request =
          kindAndTest[0].equals("robolectric") ? Request.runner(new RobolectricTestRunner(cls)) : Request.aClass(cls);
      if (classAndMethod.length == 2) request = request.filterWith(Description.createTestDescription(cls, classAndMethod[1]));
      Result result = core.run(request);
      ok &= result.wasSuccessful() && result.getRunCount() > 0;
      if (result.getRunCount() == 0) lines.add(arg + ": failed no test ran");
    }
    for (String line : lines) System.out.println("project-test: " + line);
    System.out.flush();
    System.exit(ok ? 0 : 1);
  }

  private static String name(Description d) {
    if (d.getTestClass() == BenchmarkCpu.class) {
      return System.getProperty("bindgen.project.package") + ".BenchmarkTest#measure(CPU)";
    }
    return d.getClassName() + "#" + d.getMethodName();
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.replace('\n', ' ');
  }
}
