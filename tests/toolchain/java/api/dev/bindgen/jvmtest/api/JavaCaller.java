package dev.bindgen.jvmtest.api;

import dev.bindgen.jvmtest.Json;
import android.content.Context;
import android.graphics.Bitmap;
import dev.bindgen.jvmtest.float_classifier.FloatClassifier;
import java.io.IOException;
import java.util.List;
import org.tensorflow.lite.support.image.TensorImage;
import org.tensorflow.lite.support.label.Category;

/**
 * A Java app calling a generated wrapper the way Android Studio's generated Java binding is
 * called: {@code newInstance(context[, options])} in a try/catch for {@link IOException} (which
 * only compiles when {@code newInstance} declares it), {@code process(TensorImage)}, the Outputs
 * getters, {@code close()}; {@code Options} built with the Kotlin defaults ({@code @JvmOverloads}).
 */
final class JavaCaller {
  private JavaCaller() {}

  static String run(Context context, Bitmap bitmap) {
    StringBuilder json = new StringBuilder("{");
    try {
      FloatClassifier model = FloatClassifier.newInstance(context);
      FloatClassifier.Outputs outputs = model.process(TensorImage.fromBitmap(bitmap));
      List<Category> probability = outputs.getProbability();
      json.append("\"default\": ").append(ApiDriver.outputs(outputs));
      json.append(", \"top\": ").append(Json.quote(probability.get(0).getLabel()));
      model.close();

      FloatClassifier.Options options = new FloatClassifier.Options(FloatClassifier.Device.GPU);
      FloatClassifier gpu = FloatClassifier.newInstance(context, options);
      json.append(", \"gpu_device\": ").append(Json.quote(gpu.getDevice().name()));
      json.append(", \"gpu_threads\": ").append(options.getNumThreads());
      json.append(", \"gpu\": ").append(ApiDriver.outputs(gpu.process(bitmap, 0)));
      gpu.close();

      FloatClassifier threads = FloatClassifier.newInstance(context, new FloatClassifier.Options(FloatClassifier.Device.CPU, 2));
      json.append(", \"two_threads\": ").append(ApiDriver.outputs(threads.process(bitmap)));
      threads.close();
    } catch (IOException e) {
      json.append("\"io_error\": ").append(Json.quote(e.toString()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return json.append("}").toString();
  }
}
