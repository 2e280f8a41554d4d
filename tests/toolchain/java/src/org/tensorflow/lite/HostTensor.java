package org.tensorflow.lite;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorflowlite.TfLiteQuantizationParams;
import org.bytedeco.tensorflowlite.TfLiteTensor;

/** {@link Tensor} over a TfLiteTensor of a live {@link HostInterpreter}. */
final class HostTensor implements Tensor {
  private final TfLiteTensor t;
  private final int index;

  HostTensor(TfLiteTensor t, int index) {
    this.t = t;
    this.index = index;
  }

  @Override
  public DataType dataType() {
    int type = TfLiteTensorType(t);
    switch (type) {
      case 1: return DataType.FLOAT32;
      case 2: return DataType.INT32;
      case 3: return DataType.UINT8;
      case 4: return DataType.INT64;
      case 5: return DataType.STRING;
      case 6: return DataType.BOOL;
      case 7: return DataType.INT16;
      case 9: return DataType.INT8;
      default: throw new IllegalArgumentException("DataType error: DataType " + type + " is not recognized in Java.");
    }
  }

  @Override
  public int numDimensions() {
    return TfLiteTensorNumDims(t);
  }

  @Override
  public int numBytes() {
    return (int) TfLiteTensorByteSize(t);
  }

  @Override
  public int numElements() {
    int n = 1;
    for (int d : shape()) n *= d;
    return n;
  }

  @Override
  public int[] shape() {
    int[] s = new int[numDimensions()];
    for (int i = 0; i < s.length; i++) s[i] = TfLiteTensorDim(t, i);
    return s;
  }

  @Override
  public int[] shapeSignature() {
    return shape();
  }

  @Override
  public int index() {
    return index;
  }

  @Override
  public String name() {
    return TfLiteTensorName(t).getString();
  }

  @Override
  public Tensor.QuantizationParams quantizationParams() {
    TfLiteQuantizationParams q = TfLiteTensorQuantizationParams(t);
    return new Tensor.QuantizationParams(q.scale(), q.zero_point());
  }

  @Override
  public ByteBuffer asReadOnlyBuffer() {
    return data().asReadOnlyBuffer().order(ByteOrder.nativeOrder());
  }

  private ByteBuffer data() {
    return new BytePointer(TfLiteTensorData(t)).capacity(numBytes()).asByteBuffer();
  }

  /** Copies {@code src} in, as TensorImpl.setTo does for a ByteBuffer. */
  void write(ByteBuffer src) {
    if (src.capacity() != numBytes()) {
      throw new IllegalArgumentException("Cannot copy to a TensorFlowLite tensor (" + name() + ") with " + numBytes()
          + " bytes from a Java Buffer with " + src.capacity() + " bytes.");
    }
    if (src.isDirect() && src.order() == ByteOrder.nativeOrder()) {
      ByteBuffer from = src.duplicate();  // the whole buffer, position untouched (writeDirectBuffer)
      from.rewind();
      data().put(from);
    } else {
      data().put(src);  // from src's position, advancing it (buffer().put(src))
    }
  }

  /** Copies the tensor into {@code dst} from its position, as TensorImpl.copyTo does. */
  void read(ByteBuffer dst) {
    if (dst.capacity() < numBytes()) {
      throw new IllegalArgumentException("Cannot copy from a TensorFlowLite tensor (" + name() + ") with " + numBytes()
          + " bytes to a Java Buffer with " + dst.capacity() + " bytes.");
    }
    dst.put(data());
  }
}
