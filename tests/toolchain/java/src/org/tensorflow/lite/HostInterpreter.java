package org.tensorflow.lite;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolverWithXNNPACK;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;

/**
 * {@link InterpreterApi} over TFLite's C++ interpreter, built with the builtin op resolver plus the
 * XNNPACK delegate as its default delegate, as TFLite's Android runtime does by default (and as
 * LiteRT does for {@code bindgen run}): custom ops that only XNNPACK implements, such as
 * MediaPipe's {@code Convolution2DTransposeBias}, run too. Inputs and outputs are
 * {@link ByteBuffer}s whose capacity is the tensor's byte size, copied the way tensorflow-lite's
 * own {@code TensorImpl} copies them (direct native-order buffers from their start, others from
 * their position).
 */
final class HostInterpreter implements InterpreterApi {
  /** Interpreters created and not yet closed (tests check that a failed newInstance leaks none). */
  static final java.util.concurrent.atomic.AtomicInteger LIVE = new java.util.concurrent.atomic.AtomicInteger();

  private final BytePointer modelBytes;
  private FlatBufferModel model;
  private BuiltinOpResolverWithXNNPACK resolver;
  private Interpreter interpreter;
  private Long lastNanos;

  HostInterpreter(ByteBuffer buffer, InterpreterApi.Options options) {
    if (!options.getDelegates().isEmpty() || !options.getDelegateFactories().isEmpty()) {
      throw new IllegalArgumentException("delegates are not available on the host JVM runtime");
    }
    if (options.getUseNNAPI()) {
      throw new IllegalArgumentException("NNAPI is not available on the host JVM runtime");
    }
    ByteBuffer src = buffer.duplicate();
    src.rewind();
    byte[] copy = new byte[src.remaining()];
    src.get(copy);
    // BuildFromBuffer does not copy: the bytes live as long as the interpreter.
    modelBytes = new BytePointer(copy);
    model = FlatBufferModel.BuildFromBuffer(modelBytes, copy.length);
    if (model == null || model.isNull()) {
      throw new IllegalArgumentException("Contents of the model buffer are not a valid TFLite model");
    }
    resolver = new BuiltinOpResolverWithXNNPACK();
    interpreter = new Interpreter((Pointer) null);
    int threads = options.getNumThreads();
    int built;
    try (InterpreterBuilder builder = new InterpreterBuilder(model, resolver)) {
      built = builder.apply(interpreter, threads <= 0 ? 1 : threads);
    }
    if (built != 0 || interpreter.isNull()) {
      close();
      throw new IllegalArgumentException("Internal error: cannot create interpreter (unsupported op?)");
    }
    check(interpreter.AllocateTensors(), "AllocateTensors");
    LIVE.incrementAndGet();
  }

  private static void check(int status, String what) {
    if (status != 0) {
      throw new IllegalStateException("Internal error: " + what + " failed with TfLiteStatus " + status);
    }
  }

  private void checkOpen() {
    if (interpreter == null) {
      throw new IllegalStateException("Internal error: The Interpreter has already been closed.");
    }
  }

  @Override
  public void run(Object input, Object output) {
    runForMultipleInputsOutputs(new Object[] {input}, Map.of(0, output));
  }

  @Override
  public void runForMultipleInputsOutputs(Object[] inputs, Map<Integer, Object> outputs) {
    checkOpen();
    if (inputs == null || inputs.length == 0) {
      throw new IllegalArgumentException("Input error: Inputs should not be null or empty.");
    }
    if (outputs == null || outputs.isEmpty()) {
      throw new IllegalArgumentException("Input error: Outputs should not be null or empty.");
    }
    if (inputs.length != getInputTensorCount()) {
      throw new IllegalArgumentException("Input error: expected " + getInputTensorCount() + " inputs, got " + inputs.length);
    }
    for (int i = 0; i < inputs.length; i++) {
      getInputTensor(i).write(asBuffer(inputs[i], "input " + i));
    }
    long start = System.nanoTime();
    check(interpreter.Invoke(), "Invoke");
    lastNanos = System.nanoTime() - start;
    for (Map.Entry<Integer, Object> e : outputs.entrySet()) {
      if (e.getValue() != null) {
        getOutputTensor(e.getKey()).read(asBuffer(e.getValue(), "output " + e.getKey()));
      }
    }
  }

  private static ByteBuffer asBuffer(Object o, String what) {
    if (o instanceof ByteBuffer) {
      return (ByteBuffer) o;
    }
    throw new IllegalArgumentException(
        "host runtime supports ByteBuffer " + what + " only, got " + (o == null ? "null" : o.getClass().getName()));
  }

  @Override
  public void allocateTensors() {
    checkOpen();
    check(interpreter.AllocateTensors(), "AllocateTensors");
  }

  @Override
  public void resizeInput(int idx, int[] dims) {
    resizeInput(idx, dims, false);
  }

  @Override
  public void resizeInput(int idx, int[] dims, boolean strict) {
    checkOpen();
    check(interpreter.ResizeInputTensor(interpreter.inputs().get(idx), dims), "ResizeInputTensor");
    allocateTensors();
  }

  @Override
  public int getInputTensorCount() {
    checkOpen();
    return (int) interpreter.inputs().limit();
  }

  @Override
  public int getInputIndex(String opName) {
    for (int i = 0; i < getInputTensorCount(); i++) {
      if (getInputTensor(i).name().equals(opName)) return i;
    }
    throw new IllegalArgumentException("Input error: '" + opName + "' is not a valid name for any input.");
  }

  @Override
  public HostTensor getInputTensor(int i) {
    checkOpen();
    if (i < 0 || i >= getInputTensorCount()) throw new IllegalArgumentException("Invalid input Tensor index: " + i);
    return new HostTensor(interpreter.input_tensor(i), interpreter.inputs().get(i));
  }

  @Override
  public int getOutputTensorCount() {
    checkOpen();
    return (int) interpreter.outputs().limit();
  }

  @Override
  public int getOutputIndex(String opName) {
    for (int i = 0; i < getOutputTensorCount(); i++) {
      if (getOutputTensor(i).name().equals(opName)) return i;
    }
    throw new IllegalArgumentException("Input error: '" + opName + "' is not a valid name for any output.");
  }

  @Override
  public HostTensor getOutputTensor(int i) {
    checkOpen();
    if (i < 0 || i >= getOutputTensorCount()) throw new IllegalArgumentException("Invalid output Tensor index: " + i);
    return new HostTensor(interpreter.output_tensor(i), interpreter.outputs().get(i));
  }

  @Override
  public Long getLastNativeInferenceDurationNanoseconds() {
    return lastNanos;
  }

  @Override
  public void close() {
    if (interpreter != null) {
      interpreter.close();  // deletes the C++ interpreter (and its delegates) before the model
      resolver.close();
      model.close();
      modelBytes.deallocate();
      interpreter = null;
      resolver = null;
      model = null;
      LIVE.decrementAndGet();
    }
  }
}
