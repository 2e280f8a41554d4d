package org.tensorflow.lite;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.tensorflow.lite.nnapi.NnApiDelegate;

/**
 * The "application" TFLite runtime for the host JVM.
 *
 * <p>tensorflow-lite-api's {@code InterpreterApi.create} finds the runtime by loading the class
 * {@code org.tensorflow.lite.InterpreterFactoryImpl}; on Android that class ships in the
 * tensorflow-lite AAR next to an Android-only JNI library. Here it is this class, which runs
 * models on the TFLite C API for linux-x86_64 (JavaCPP's tensorflow-lite presets).
 */
public final class InterpreterFactoryImpl implements InterpreterFactoryApi {
  public InterpreterFactoryImpl() {}

  /** Host interpreters created and not yet closed. */
  public static int liveInterpreters() {
    return HostInterpreter.LIVE.get();
  }

  @Override
  public InterpreterApi create(File modelFile, InterpreterApi.Options options) {
    try (RandomAccessFile file = new RandomAccessFile(modelFile, "r")) {
      return create(file.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, file.length()), options);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read model file " + modelFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InterpreterApi create(ByteBuffer model, InterpreterApi.Options options) {
    return new HostInterpreter(model, options == null ? new InterpreterApi.Options() : options);
  }

  @Override
  public String runtimeVersion() {
    return org.bytedeco.tensorflowlite.global.tensorflowlite.TfLiteVersion().getString();
  }

  @Override
  public String schemaVersion() {
    return Integer.toString(org.bytedeco.tensorflowlite.global.tensorflowlite.TfLiteSchemaVersion());
  }

  @Override
  public NnApiDelegate.PrivateInterface createNnApiDelegateImpl(NnApiDelegate.Options options) {
    throw new UnsupportedOperationException("NNAPI is Android-only; not available on the host JVM");
  }
}
