package dev.cdiff.diffusion.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reader and writer for the safetensors format. Tensors are read through private memory maps of
 * each tensor's own byte range, so files larger than 2 GiB work and nothing is copied until a
 * tensor is requested.
 */
public final class SafeTensors implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Maximum bytes per single mapping; a multiple of 8 so no element straddles two chunks. */
    private static final long MAX_CHUNK = 1L << 30;
    private static final long MAX_HEADER = 100L << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> infos;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> infos,
                        Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.infos = infos;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file + ": too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new SafeTensorsFormatException(file + ": invalid header length " + headerLen);
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                JsonNode shapeNode = t.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                long begin = t.path("data_offsets").get(0).asLong();
                long end = t.path("data_offsets").get(1).asLong();
                TensorInfo info = new TensorInfo(dtype, shape, begin, end);
                if (begin < 0 || end < begin || end > dataSize) {
                    throw new SafeTensorsFormatException(file + ": tensor " + e.getKey() + " has offsets outside the file");
                }
                int width = elementBytes(dtype, e.getKey(), file);
                if (info.elementCount() * width != end - begin) {
                    throw new SafeTensorsFormatException(file + ": tensor " + e.getKey() + " byte size "
                            + (end - begin) + " does not match dtype " + dtype + " shape " + java.util.Arrays.toString(shape));
                }
                infos.put(e.getKey(), info);
            }
            return new SafeTensors(file, ch, dataStart, Collections.unmodifiableMap(infos),
                    Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot read safetensors file " + file, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new SafeTensorsFormatException("unexpected end of file");
            }
        }
    }

    static int elementBytes(String dtype, String name, Path file) {
        switch (dtype) {
            case "F64":
            case "I64":
                return 8;
            case "F32":
            case "I32":
                return 4;
            case "F16":
            case "BF16":
                return 2;
            default:
                throw new SafeTensorsFormatException(file + ": tensor " + name + " has unsupported dtype " + dtype
                        + " (supported: F32, F16, BF16, F64, I64, I32)");
        }
    }

    public Path file() {
        return file;
    }

    public Set<String> names() {
        return infos.keySet();
    }

    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "' in " + file);
        }
        return info;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Loads a tensor: floating types as FLOAT32 (F16/BF16/F64 converted), integer types as INT64.
     *
     * <p>The returned array owns native (PyTorch) memory: DJL backs {@code create(float[])} with a Java direct
     * buffer that counts against {@code -XX:MaxDirectMemorySize} (the heap size by default) and must outlive every
     * view of it, so a multi-GB checkpoint would fail with "Direct buffer memory". Cloning once into engine memory
     * avoids both.
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo info = info(name);
        Shape shape = new Shape(info.shape());
        try (NDManager staging = manager.newSubManager()) {
            NDArray javaBacked = info.isFloating()
                    ? staging.create(loadFloats(name), shape)
                    : staging.create(loadLongs(name), shape);
            NDArray owned = javaBacked.duplicate();
            owned.attach(manager);
            return owned;
        }
    }

    /** Element count as a Java array length; a tensor too large for one array is a clear error. */
    private static int arrayLength(String name, TensorInfo info) {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsFormatException("tensor " + name + " has too many elements for one array: " + count);
        }
        return (int) count;
    }

    public float[] loadFloats(String name) {
        TensorInfo info = info(name);
        float[] out = new float[arrayLength(name, info)];
        int[] pos = {0};
        forEachChunk(name, info, buf -> {
            switch (info.dtype()) {
                case "F32": {
                    int n = buf.remaining() / 4;
                    buf.asFloatBuffer().get(out, pos[0], n);
                    pos[0] += n;
                    break;
                }
                case "F16":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = HalfFloat.halfToFloat(buf.getShort());
                    }
                    break;
                case "BF16":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = HalfFloat.bf16ToFloat(buf.getShort());
                    }
                    break;
                case "F64":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = (float) buf.getDouble();
                    }
                    break;
                case "I64":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = buf.getLong();
                    }
                    break;
                case "I32":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = buf.getInt();
                    }
                    break;
                default:
                    throw new SafeTensorsFormatException("unsupported dtype " + info.dtype());
            }
        });
        return out;
    }

    /** The tensor's info, refused unless it is float64 (F64 is read without conversion, never widened into). */
    private TensorInfo f64Info(String name) {
        TensorInfo info = info(name);
        if (!"F64".equals(info.dtype())) {
            throw new SafeTensorsFormatException("tensor " + name + " is " + info.dtype() + ", expected F64");
        }
        return info;
    }

    /** A float64 tensor's values without narrowing (F64 only; other types are refused rather than widened). */
    public double[] loadDoubles(String name) {
        TensorInfo info = f64Info(name);
        double[] out = new double[arrayLength(name, info)];
        int[] pos = {0};
        forEachChunk(name, info, buf -> {
            int n = buf.remaining() / 8;
            buf.asDoubleBuffer().get(out, pos[0], n);
            pos[0] += n;
        });
        return out;
    }

    /**
     * A float64 tensor's stored bytes (little-endian, exactly as in the file) in a new direct buffer, read with one
     * positional read rather than through a mapping. Meant for a matrix that goes to the engine as it is (the engine
     * can use a direct buffer in place) and whose bytes are checksummed first; too large for one buffer is refused.
     */
    public ByteBuffer readF64Direct(String name) {
        TensorInfo info = f64Info(name);
        long bytes = info.end() - info.begin();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsFormatException("tensor " + name + " has too many bytes for one buffer: " + bytes);
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + info.begin();
        try {
            while (out.hasRemaining()) {
                int n = channel.read(out, position);
                if (n < 0) {
                    throw new SafeTensorsFormatException("tensor " + name + " of " + file + " ends early");
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor " + name + " of " + file, e);
        }
        return out.flip();
    }

    public long[] loadLongs(String name) {
        TensorInfo info = info(name);
        long[] out = new long[arrayLength(name, info)];
        int[] pos = {0};
        forEachChunk(name, info, buf -> {
            switch (info.dtype()) {
                case "I64":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = buf.getLong();
                    }
                    break;
                case "I32":
                    while (buf.hasRemaining()) {
                        out[pos[0]++] = buf.getInt();
                    }
                    break;
                default:
                    throw new SafeTensorsFormatException("tensor " + name + " has dtype " + info.dtype()
                            + ", not an integer type");
            }
        });
        return out;
    }

    private interface ChunkConsumer {
        void accept(ByteBuffer littleEndianChunk);
    }

    private void forEachChunk(String name, TensorInfo info, ChunkConsumer consumer) {
        long start = dataStart + info.begin();
        long remaining = info.end() - info.begin();
        try {
            while (remaining > 0) {
                long len = Math.min(remaining, MAX_CHUNK);
                // READ_ONLY rather than PRIVATE: PRIVATE needs a writable channel and checkpoints are often read-only
                // files; every tensor is copied out of the mapping, so nothing could write through it anyway.
                MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, start, len);
                map.order(ByteOrder.LITTLE_ENDIAN);
                consumer.accept(map);
                start += len;
                remaining -= len;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor " + name + " of " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads every tensor of a file (float as FLOAT32, ints as INT64). */
    public static Map<String, NDArray> loadAll(Path file, NDManager manager) {
        try (SafeTensors st = open(file)) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String n : st.names()) {
                out.put(n, st.load(n, manager));
            }
            return out;
        }
    }

    /**
     * Writes tensors sorted by name (like the reference writer). Floating arrays are stored as F32,
     * or F16 when {@code asFp16}; INT64/INT32 arrays as I64/I32.
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata, boolean asFp16) {
        TreeMap<String, NDArray> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        List<String> dtypes = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray a = e.getValue();
            String dtype = dtypeFor(e.getKey(), a.getDataType(), asFp16);
            dtypes.add(dtype);
            long bytes = a.size() * elementBytes(dtype, e.getKey(), file);
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            var shape = t.putArray("shape");
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            var offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(headerBytes);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, head);
                int i = 0;
                for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
                    writeTensor(out, e.getValue(), dtypes.get(i++));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String dtypeFor(String name, DataType type, boolean asFp16) {
        switch (type) {
            case FLOAT64:
                // float64 data (e.g. a merge's Gram matrix) keeps its precision unless half precision is asked for
                return asFp16 ? "F16" : "F64";
            case FLOAT32:
            case FLOAT16:
            case BFLOAT16:
                return asFp16 ? "F16" : "F32";
            case INT64:
                return "I64";
            case INT32:
                return "I32";
            default:
                throw new IllegalArgumentException("cannot write tensor " + name + " of data type " + type);
        }
    }

    private static void writeTensor(FileChannel out, NDArray a, String dtype) throws IOException {
        final int chunkElems = 1 << 20;
        switch (dtype) {
            case "F32":
            case "F16": {
                float[] data = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                        : a.toType(DataType.FLOAT32, false).toFloatArray();
                int width = dtype.equals("F32") ? 4 : 2;
                for (int s = 0; s < data.length; s += chunkElems) {
                    int n = Math.min(chunkElems, data.length - s);
                    ByteBuffer buf = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        if (width == 4) {
                            buf.putFloat(data[s + i]);
                        } else {
                            buf.putShort(HalfFloat.floatToHalf(data[s + i]));
                        }
                    }
                    buf.flip();
                    writeFully(out, buf);
                }
                break;
            }
            case "F64": {
                double[] data = a.toDoubleArray();
                ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                buf.asDoubleBuffer().put(data);
                writeFully(out, buf);
                break;
            }
            case "I64": {
                long[] data = a.toLongArray();
                ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                buf.asLongBuffer().put(data);
                writeFully(out, buf);
                break;
            }
            case "I32": {
                int[] data = a.toIntArray();
                ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asIntBuffer().put(data);
                writeFully(out, buf);
                break;
            }
            default:
                throw new IllegalStateException(dtype);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }
}
