package dev.bindgen.jvmtest;

import android.graphics.Bitmap;
import android.graphics.RectF;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.lite.DataType;
import org.tensorflow.lite.InterpreterApi;
import org.tensorflow.lite.support.common.ops.CastOp;
import org.tensorflow.lite.support.common.ops.NormalizeOp;
import org.tensorflow.lite.support.image.ImageProcessor;
import org.tensorflow.lite.support.image.TensorImage;
import org.tensorflow.lite.support.image.ops.ResizeOp;
import org.tensorflow.lite.support.label.Category;
import org.tensorflow.lite.support.metadata.MetadataExtractor;
import org.tensorflow.lite.support.tensorbuffer.TensorBuffer;

/**
 * The fair baseline of bench/wrapper_overhead.py: what an engineer writes by hand with the same
 * TFLite Support Library for the same job, one per benchmarked model. Everything that can be done
 * once is done in the constructor (interpreter, labels, ImageProcessor, output TensorBuffers);
 * each {@link #run} does what the generated {@code process(Bitmap)} plus reading its results
 * does: TensorImage from the Bitmap, the same ImageProcessor ops the wrapper uses for the model,
 * {@code run}/{@code runForMultipleInputsOutputs} into the preallocated outputs, and the same
 * postprocessing (categories with labels sorted by score, detection boxes).
 */
final class HandWritten implements AutoCloseable {
  private final String model;
  private final InterpreterApi interpreter;
  private final ImageProcessor processor;
  private final TensorBuffer[] outputs;
  private final Map<Integer, Object> outputMap = new HashMap<>();
  private final List<String> labels;

  HandWritten(String wrapperClass, ByteBuffer modelBuffer, int threads) throws IOException {
    model = wrapperClass.substring(wrapperClass.lastIndexOf('.') + 1);
    interpreter = InterpreterApi.create(modelBuffer, new InterpreterApi.Options().setNumThreads(threads));
    MetadataExtractor metadata = new MetadataExtractor(modelBuffer.duplicate());  // leaves modelBuffer as it was
    switch (model) {
      case "FloatClassifier":
        processor = floatProcessor(96, 127.5f, 127.5f);
        labels = lines(metadata, "float_classifier.labels.txt");
        break;
      case "Uint8Classifier":
        processor = new ImageProcessor.Builder()
            .add(new ResizeOp(96, 96, ResizeOp.ResizeMethod.BILINEAR))
            .add(new CastOp(DataType.UINT8))
            .build();
        labels = lines(metadata, "uint8_classifier.labels.txt");
        break;
      case "Detector":
        processor = floatProcessor(128, 127.5f, 127.5f);
        labels = lines(metadata, "detector.labels.txt");
        break;
      case "HandLandmarkFull":
        processor = floatProcessor(224, 0f, 255f);
        labels = lines(metadata, "handedness.txt");
        break;
      default:
        throw new IllegalArgumentException("no hand-written baseline for " + wrapperClass);
    }
    outputs = new TensorBuffer[interpreter.getOutputTensorCount()];
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = TensorBuffer.createFixedSize(
          interpreter.getOutputTensor(i).shape(), interpreter.getOutputTensor(i).dataType());
      outputMap.put(i, outputs[i].getBuffer());
    }
  }

  private static ImageProcessor floatProcessor(int size, float mean, float std) {
    return new ImageProcessor.Builder()
        .add(new ResizeOp(size, size, ResizeOp.ResizeMethod.BILINEAR))
        .add(new NormalizeOp(mean, std))
        .add(new CastOp(DataType.FLOAT32))
        .build();
  }

  private static List<String> lines(MetadataExtractor metadata, String name) throws IOException {
    List<String> out = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(metadata.getAssociatedFile(name), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) out.add(line);
    }
    return out;
  }

  /** One inference on {@code bitmap}, results decoded as the wrapper decodes them. */
  Object run(Bitmap bitmap) {
    TensorImage image = processor.process(TensorImage.fromBitmap(bitmap));
    for (TensorBuffer o : outputs) o.getBuffer().rewind();
    interpreter.runForMultipleInputsOutputs(new Object[] {image.getBuffer()}, outputMap);
    switch (model) {
      case "Uint8Classifier":
        return categories(dequantize(outputs[0].getBuffer(), 0.00390625f));
      case "Detector":
        return detections(outputs[0].getFloatArray(), outputs[1].getFloatArray(),
            outputs[2].getFloatArray(), outputs[3].getFloatArray(), bitmap);
      case "HandLandmarkFull":  // its 2 handedness labels sit on the 63 landmarks: left raw
        return outputs[0].getFloatArray();
      default:  // FloatClassifier
        return categories(outputs[0].getFloatArray());
    }
  }

  private static float[] dequantize(ByteBuffer buffer, float scale) {
    buffer.rewind();
    float[] out = new float[buffer.remaining()];
    for (int i = 0; i < out.length; i++) out[i] = (buffer.get() & 0xFF) * scale;
    return out;
  }

  private List<Category> categories(float[] scores) {
    List<Category> out = new ArrayList<>(scores.length);
    for (int i = 0; i < scores.length; i++) {
      out.add(Category.create(i < labels.size() ? labels.get(i) : "", "", scores[i], i));
    }
    out.sort((a, b) -> Float.compare(b.getScore(), a.getScore()));
    return out;
  }

  /**
   * Boxes stored as [top, left, bottom, right] ratios (the detector's metadata), in the model's
   * order, mapped to the bitmap's pixels through the processor (as the wrapper's locations are).
   */
  private List<Object[]> detections(float[] boxes, float[] classes, float[] scores, float[] count, Bitmap bitmap) {
    int n = Math.min((int) count[0], scores.length);
    List<Object[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      RectF ratios = new RectF(boxes[4 * i + 1], boxes[4 * i], boxes[4 * i + 3], boxes[4 * i + 2]);
      RectF box = processor.inverseTransform(
          new RectF(ratios.left * 128f, ratios.top * 128f, ratios.right * 128f, ratios.bottom * 128f),
          bitmap.getHeight(), bitmap.getWidth());
      int c = (int) classes[i];
      out.add(new Object[] {box, c < labels.size() ? labels.get(c) : "", c, scores[i]});
    }
    return out;
  }

  /**
   * Whether {@code mine} (a {@link #run} result) equals the wrapper's decoded property of the same
   * kind among {@code theirs}: a baseline that did less work would not be a baseline.
   */
  static boolean sameAs(Object mine, Map<String, Object> theirs) throws Exception {
    if (mine instanceof float[]) {
      for (Object value : theirs.values()) {
        if (value instanceof TensorBuffer && Arrays.equals((float[]) mine, ((TensorBuffer) value).getFloatArray())) {
          return true;
        }
      }
      return false;
    }
    for (Object value : theirs.values()) {
      if (!(value instanceof List) || ((List<?>) value).isEmpty()) continue;
      List<?> list = (List<?>) value;
      List<?> ours = (List<?>) mine;
      if (list.get(0) instanceof Category) {
        if (ours.isEmpty() || !(ours.get(0) instanceof Category)) continue;
        return list.equals(ours);
      }
      if (ours.isEmpty() || !(ours.get(0) instanceof Object[]) || list.size() != ours.size()) continue;
      for (int i = 0; i < list.size(); i++) {
        Object d = list.get(i);
        Object[] o = (Object[]) ours.get(i);
        RectF a = (RectF) d.getClass().getMethod("getLocation").invoke(d);
        RectF b = (RectF) o[0];
        boolean same = a.left == b.left && a.top == b.top && a.right == b.right && a.bottom == b.bottom
            && d.getClass().getMethod("getLabel").invoke(d).equals(o[1])
            && d.getClass().getMethod("getIndex").invoke(d).equals(o[2])
            && d.getClass().getMethod("getScore").invoke(d).equals(o[3]);
        if (!same) return false;
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() {
    interpreter.close();
  }
}
