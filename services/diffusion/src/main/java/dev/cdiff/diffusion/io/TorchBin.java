package dev.cdiff.diffusion.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * PyTorch {@code torch.save} zip files ({@code .bin}, {@code .pt}) read without executing anything: the pickle is
 * interpreted by a small machine that knows only the opcodes a state dict needs and only the globals
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the float storage classes; any other
 * opcode or global is refused, so a file built to run code on load fails with an error naming what it asked for.
 * Legacy (pre-1.6, non-zip) pickles are refused too. Tensors come back as float32, nested dicts as maps.
 */
public final class TorchBin {
    private TorchBin() {
    }

    /** A tensor read from or written to a {@code .bin} file; {@code dtype} is the stored type (float32, float16, ...). */
    public record Tensor(String dtype, long[] shape, float[] values) {
    }

    private static final Map<String, String> STORAGES = Map.of(
            "FloatStorage", "float32", "HalfStorage", "float16", "DoubleStorage", "float64", "BFloat16Storage", "bfloat16");
    private static final Set<String> GLOBALS = Set.of("collections OrderedDict", "torch._utils _rebuild_tensor_v2",
            "torch FloatStorage", "torch HalfStorage", "torch DoubleStorage", "torch BFloat16Storage");

    private record Global(String module, String name) {
        String id() {
            return module + " " + name;
        }
    }

    private record Tuple(List<Object> items) {
    }

    private record StorageRef(String dtype, String key, long numel) {
    }

    private static final Object MARK = new Object();

    /** The file's top-level dict: String keys to {@link Tensor}s or nested maps. */
    public static Map<String, Object> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String pickle = zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("/data.pkl") || n.equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new UnsafeCheckpointException(file + " has no data.pkl"));
            String prefix = pickle.substring(0, pickle.length() - "data.pkl".length());
            byte[] bytes = zip.getInputStream(zip.getEntry(pickle)).readAllBytes();
            Object root = new Machine(bytes, ref -> storage(zip, prefix, ref, file)).run();
            if (!(root instanceof Map<?, ?> map)) {
                throw new UnsafeCheckpointException(file + " holds a " + root.getClass().getSimpleName() + ", not a dict");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) map;
            return out;
        } catch (java.util.zip.ZipException e) {
            throw new UnsafeCheckpointException(file + " is not a PyTorch zip checkpoint (a legacy pickle would need code"
                    + " execution to read, so it is refused); re-save it with torch.save in PyTorch >= 1.6");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Refused input: not a zip checkpoint, or a pickle asking for an opcode or global outside the safe subset. */
    public static final class UnsafeCheckpointException extends IllegalArgumentException {
        UnsafeCheckpointException(String message) {
            super(message);
        }
    }

    private static float[] storage(ZipFile zip, String prefix, StorageRef ref, Path file) {
        ZipEntry e = zip.getEntry(prefix + "data/" + ref.key());
        if (e == null) {
            throw new UnsafeCheckpointException(file + " lacks storage " + ref.key());
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(zip.getInputStream(e).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[(int) ref.numel()];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (ref.dtype()) {
                    case "float32" -> b.getFloat(i * 4);
                    case "float64" -> (float) b.getDouble(i * 8);
                    case "float16" -> HalfFloat.halfToFloat(b.getShort(i * 2));
                    default -> HalfFloat.bf16ToFloat(b.getShort(i * 2));
                };
            }
            return out;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (IndexOutOfBoundsException ex) {
            throw new UnsafeCheckpointException(file + ": storage " + ref.key() + " is shorter than its " + ref.numel()
                    + " elements");
        }
    }

    private static final class Machine {
        private final ByteBuffer in;
        private final java.util.function.Function<StorageRef, float[]> storages;
        private final Map<String, float[]> loaded = new HashMap<>();
        private final Deque<Object> stack = new ArrayDeque<>();
        private final Map<Integer, Object> memo = new HashMap<>();

        Machine(byte[] bytes, java.util.function.Function<StorageRef, float[]> storages) {
            this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            this.storages = storages;
        }

        Object run() {
            while (true) {
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> in.get(); // PROTO
                    case 0x95 -> in.getLong(); // FRAME
                    case '.' -> {
                        return stack.pop();
                    }
                    case 'c' -> {
                        Global g = new Global(line(), line());
                        if (!GLOBALS.contains(g.id())) {
                            throw new UnsafeCheckpointException("refused: the checkpoint asks for the global "
                                    + g.module() + "." + g.name() + "; only state dicts of tensors are read");
                        }
                        stack.push(g);
                    }
                    case '(' -> stack.push(MARK);
                    case ')' -> stack.push(new Tuple(List.of()));
                    case '}' -> stack.push(new LinkedHashMap<String, Object>());
                    case ']' -> stack.push(new ArrayList<>());
                    case 'N' -> stack.push(NULL);
                    case 0x88 -> stack.push(Boolean.TRUE);
                    case 0x89 -> stack.push(Boolean.FALSE);
                    case 'K' -> stack.push((long) (in.get() & 0xff));
                    case 'M' -> stack.push((long) (in.getShort() & 0xffff));
                    case 'J' -> stack.push((long) in.getInt());
                    case 0x8a -> stack.push(long1());
                    case 'G' -> {
                        byte[] b = new byte[8];
                        in.get(b);
                        stack.push(ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getDouble());
                    }
                    case 'X' -> stack.push(utf8(in.getInt()));
                    case 0x8c -> stack.push(utf8(in.get() & 0xff));
                    case 't' -> stack.push(new Tuple(popToMark()));
                    case 0x85 -> stack.push(new Tuple(List.of(stack.pop())));
                    case 0x86 -> {
                        Object b = stack.pop();
                        stack.push(new Tuple(List.of(stack.pop(), b)));
                    }
                    case 0x87 -> {
                        Object c = stack.pop();
                        Object b = stack.pop();
                        stack.push(new Tuple(List.of(stack.pop(), b, c)));
                    }
                    case 'q' -> memo.put(in.get() & 0xff, stack.peek());
                    case 'r' -> memo.put(in.getInt(), stack.peek());
                    case 0x94 -> memo.put(memo.size(), stack.peek());
                    case 'h' -> stack.push(memoGet(in.get() & 0xff));
                    case 'j' -> stack.push(memoGet(in.getInt()));
                    case 's' -> {
                        Object v = stack.pop();
                        Object k = stack.pop();
                        dict(stack.peek()).put(key(k), v);
                    }
                    case 'u' -> {
                        List<Object> kv = popToMark();
                        Map<String, Object> d = dict(stack.peek());
                        for (int i = 0; i + 1 < kv.size(); i += 2) {
                            d.put(key(kv.get(i)), kv.get(i + 1));
                        }
                    }
                    case 'a' -> list(stack.peek(), List.of(stack.pop()));
                    case 'e' -> {
                        List<Object> items = popToMark();
                        list(stack.peek(), items);
                    }
                    case 'Q' -> stack.push(persistent(stack.pop()));
                    case 'R' -> {
                        Object args = stack.pop();
                        stack.push(reduce(stack.pop(), args));
                    }
                    default -> throw new UnsafeCheckpointException(String.format(
                            "refused: pickle opcode 0x%02x at byte %d is outside the state-dict subset", op, in.position() - 1));
                }
            }
        }

        private static final Object NULL = new Object();

        private Object memoGet(int i) {
            Object v = memo.get(i);
            if (v == null) {
                throw new UnsafeCheckpointException("malformed pickle: memo " + i + " read before it was written");
            }
            return v;
        }

        private String line() {
            StringBuilder sb = new StringBuilder();
            for (byte b = in.get(); b != '\n'; b = in.get()) {
                sb.append((char) b);
            }
            return sb.toString();
        }

        private String utf8(int n) {
            byte[] b = new byte[n];
            in.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        private long long1() {
            int n = in.get() & 0xff;
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (long) (in.get() & 0xff) << (8 * i);
            }
            if (n > 0 && n < 8 && (v >> (8 * n - 1) & 1) == 1) {
                v -= 1L << (8 * n);
            }
            return v;
        }

        private List<Object> popToMark() {
            List<Object> items = new ArrayList<>();
            while (true) {
                Object o = stack.pop();
                if (o == MARK) {
                    java.util.Collections.reverse(items);
                    return items;
                }
                items.add(o);
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> dict(Object o) {
            if (!(o instanceof Map)) {
                throw new UnsafeCheckpointException("malformed state dict: items set on a " + o);
            }
            return (Map<String, Object>) o;
        }

        @SuppressWarnings("unchecked")
        private static void list(Object o, List<Object> items) {
            if (!(o instanceof List)) {
                throw new UnsafeCheckpointException("malformed pickle: items appended to a " + o);
            }
            ((List<Object>) o).addAll(items);
        }

        private static String key(Object k) {
            if (!(k instanceof String s)) {
                throw new UnsafeCheckpointException("state dict keys must be strings, got " + k);
            }
            return s;
        }

        private Object persistent(Object pid) {
            if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
                    && t.items().get(1) instanceof Global g && t.items().get(2) instanceof String key
                    && t.items().get(4) instanceof Long numel && STORAGES.containsKey(g.name())) {
                return new StorageRef(STORAGES.get(g.name()), key, numel);
            }
            throw new UnsafeCheckpointException("refused: persistent id " + pid + " is not a float storage");
        }

        private Object reduce(Object callable, Object args) {
            if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
                throw new UnsafeCheckpointException("refused: call of " + callable);
            }
            if (g.id().equals("collections OrderedDict") && t.items().isEmpty()) {
                return new LinkedHashMap<String, Object>();
            }
            if (g.id().equals("torch._utils _rebuild_tensor_v2") && t.items().size() >= 6
                    && t.items().get(0) instanceof StorageRef ref && t.items().get(1) instanceof Long offset
                    && t.items().get(2) instanceof Tuple size && t.items().get(3) instanceof Tuple stride) {
                float[] data = loaded.computeIfAbsent(ref.key(), k -> storages.apply(ref));
                return tensor(ref.dtype(), data, offset, longs(size), longs(stride));
            }
            throw new UnsafeCheckpointException("refused: call of " + g.module() + "." + g.name() + " with " + t.items().size()
                    + " arguments");
        }

        private static long[] longs(Tuple t) {
            long[] out = new long[t.items().size()];
            for (int i = 0; i < out.length; i++) {
                if (!(t.items().get(i) instanceof Long l)) {
                    throw new UnsafeCheckpointException("tensor sizes must be integers, got " + t.items().get(i));
                }
                out[i] = l;
            }
            return out;
        }

        /** Gathers a strided view into a dense row-major array. */
        private static Tensor tensor(String dtype, float[] data, long offset, long[] shape, long[] stride) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            float[] out = new float[(int) n];
            long[] idx = new long[shape.length];
            for (int i = 0; i < out.length; i++) {
                long at = offset;
                for (int d = 0; d < shape.length; d++) {
                    at += idx[d] * stride[d];
                }
                if (at < 0 || at >= data.length) {
                    throw new UnsafeCheckpointException("tensor view reaches outside its storage");
                }
                out[i] = data[(int) at];
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    idx[d] = 0;
                }
            }
            return new Tensor(dtype, shape, out);
        }
    }

    /**
     * Writes float32 tensors as an OrderedDict in PyTorch's zip format (readable by {@code torch.load} with
     * {@code weights_only=True}). Entries are stored uncompressed, as torch.save does.
     */
    public static void write(Path file, Map<String, Tensor> tensors) {
        String dir = "archive/";
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(0x80);
        pkl.write(2);
        writeGlobal(pkl, "collections", "OrderedDict");
        pkl.write(')');
        pkl.write('R');
        pkl.write('(');
        int key = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long[] shape = e.getValue().shape();
            writeString(pkl, e.getKey());
            writeGlobal(pkl, "torch._utils", "_rebuild_tensor_v2");
            pkl.write('(');
            pkl.write('(');
            writeString(pkl, "storage");
            writeGlobal(pkl, "torch", "FloatStorage");
            writeString(pkl, Integer.toString(key++));
            writeString(pkl, "cpu");
            writeInt(pkl, e.getValue().values().length);
            pkl.write('t');
            pkl.write('Q');
            writeInt(pkl, 0);
            pkl.write('(');
            for (long s : shape) {
                writeInt(pkl, s);
            }
            pkl.write('t');
            pkl.write('(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (long s : strides) {
                writeInt(pkl, s);
            }
            pkl.write('t');
            pkl.write(0x89);
            writeGlobal(pkl, "collections", "OrderedDict");
            pkl.write(')');
            pkl.write('R');
            pkl.write('t');
            pkl.write('R');
        }
        pkl.write('u');
        pkl.write('.');
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, dir + "data.pkl", pkl.toByteArray());
            stored(zip, dir + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            key = 0;
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(t.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    b.putFloat(v);
                }
                stored(zip, dir + "data/" + key++, b.array());
            }
            stored(zip, dir + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static void writeGlobal(ByteArrayOutputStream out, String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private static void writeInt(ByteArrayOutputStream out, long v) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor dimension out of range: " + v);
        }
        out.write('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }
}
