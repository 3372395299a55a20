package dev.cdiff.diffusion.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP byte-level BPE tokenizer with the behaviour of transformers' CLIPTokenizer: NFC, whitespace
 * runs collapsed, lower-cased, split by the CLIP regex, byte-level alphabet, BPE with a
 * {@code </w>} end-of-word suffix, added tokens matched as whole strings anywhere in the text,
 * then BOS + ids + EOS padded / truncated to {@link #maxLength()}.
 */
public final class ClipTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CLIP_PRETOKENIZE = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    /** The slow CLIPTokenizer reads only this many merges from merges.txt (49152 - 256 - 2). */
    private static final int CLIP_MERGE_LIMIT = 49152 - 256 - 2;
    private static final String DEFAULT_BOS = "<|startoftext|>";
    private static final String DEFAULT_EOS = "<|endoftext|>";

    /** A token matched as a whole string before BPE; {@code normalized} ones match the normalised text. */
    public record AddedToken(String content, int id, boolean special, boolean normalized) {
    }

    private final Map<String, Integer> vocab;
    private final List<String[]> merges;
    private final BpeModel bpe;
    private final Map<String, AddedToken> addedTokens;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int maxLength;
    private final Map<String, String> specialTokens;
    private int size;

    private ClipTokenizer(Map<String, Integer> vocab, List<String[]> merges, Map<String, AddedToken> addedTokens,
                          Map<String, String> specialTokens, int maxLength, String unkToken) {
        this.vocab = vocab;
        this.merges = merges;
        this.addedTokens = addedTokens;
        this.specialTokens = specialTokens;
        this.maxLength = maxLength;
        int unk = requireId(unkToken, "unk_token");
        this.bpe = new BpeModel(vocab, merges, unk);
        this.bosId = requireId(specialTokens.getOrDefault("bos_token", DEFAULT_BOS), "bos_token");
        this.eosId = requireId(specialTokens.getOrDefault("eos_token", DEFAULT_EOS), "eos_token");
        String pad = specialTokens.get("pad_token");
        this.padId = pad == null ? eosId : requireId(pad, "pad_token");
        int max = -1;
        for (int id : vocab.values()) {
            max = Math.max(max, id);
        }
        for (AddedToken t : addedTokens.values()) {
            max = Math.max(max, t.id());
        }
        this.size = max + 1;
        for (String name : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
            String content = specialTokens.get(name);
            if (content != null && !addedTokens.containsKey(content)) {
                addedTokens.put(content, new AddedToken(content, requireId(content, name), true, false));
            }
        }
    }

    private int requireId(String token, String role) {
        AddedToken added = addedTokens.get(token);
        if (added != null) {
            return added.id();
        }
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("tokenizer " + role + " '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /** Loads from tokenizer.json when present, else from vocab.json + merges.txt. */
    public static ClipTokenizer load(Path dir) {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return loadTokenizerJson(dir);
        }
        return loadVocabAndMerges(dir);
    }

    public static ClipTokenizer loadTokenizerJson(Path dir) {
        JsonNode root = readJson(dir.resolve("tokenizer.json"));
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("tokenizer.json model type " + model.path("type").asText()
                    + " is not supported (expected BPE)");
        }
        String suffix = model.path("end_of_word_suffix").asText("");
        if (!BpeModel.END_OF_WORD.equals(suffix)) {
            throw new IllegalArgumentException("tokenizer.json end_of_word_suffix '" + suffix
                    + "' is not supported (CLIP uses </w>)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray()) {
                merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                merges.add(splitMerge(m.asText()));
            }
        }
        Map<String, AddedToken> added = new LinkedHashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            added.put(content, new AddedToken(content, t.path("id").asInt(), t.path("special").asBoolean(false),
                    t.path("normalized").asBoolean(false)));
        }
        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        return finish(dir, vocab, merges, added, unk);
    }

    public static ClipTokenizer loadVocabAndMerges(Path dir) {
        Map<String, Integer> vocab = new HashMap<>();
        readJson(dir.resolve("vocab.json")).fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<String[]> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(dir.resolve("merges.txt"), StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size() && merges.size() < CLIP_MERGE_LIMIT; i++) {
                String line = lines.get(i);
                if ((i == 0 && line.startsWith("#version")) || line.isBlank()) {
                    continue;
                }
                merges.add(splitMerge(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("merges.txt"), e);
        }
        Map<String, AddedToken> added = new LinkedHashMap<>();
        Path addedJson = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(addedJson)) {
            readJson(addedJson).fields().forEachRemaining(e -> added.put(e.getKey(),
                    new AddedToken(e.getKey(), e.getValue().asInt(), false, true)));
        }
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            Iterator<Map.Entry<String, JsonNode>> it = readJson(config).path("added_tokens_decoder").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String content = e.getValue().path("content").asText();
                added.put(content, new AddedToken(content, Integer.parseInt(e.getKey()),
                        e.getValue().path("special").asBoolean(false), e.getValue().path("normalized").asBoolean(false)));
            }
        }
        return finish(dir, vocab, merges, added, null);
    }

    private static ClipTokenizer finish(Path dir, Map<String, Integer> vocab, List<String[]> merges,
                                        Map<String, AddedToken> added, String unkFromModel) {
        Map<String, String> special = readSpecialTokens(dir);
        int maxLength = 77;
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode c = readJson(config);
            JsonNode ml = c.path("model_max_length");
            // transformers writes a huge sentinel when no limit is known; CLIP's position table is 77
            if (ml.canConvertToInt() && ml.asLong() > 0 && ml.asLong() < 1_000_000) {
                maxLength = ml.asInt();
            }
            for (String name : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
                if (!special.containsKey(name)) {
                    String v = tokenContent(c.get(name));
                    if (v != null) {
                        special.put(name, v);
                    }
                }
            }
        }
        String unk = special.getOrDefault("unk_token", unkFromModel != null ? unkFromModel : DEFAULT_EOS);
        return new ClipTokenizer(vocab, merges, added, special, maxLength, unk);
    }

    private static Map<String, String> readSpecialTokens(Path dir) {
        Map<String, String> out = new LinkedHashMap<>();
        Path p = dir.resolve("special_tokens_map.json");
        if (Files.isRegularFile(p)) {
            readJson(p).fields().forEachRemaining(e -> {
                String v = tokenContent(e.getValue());
                if (v != null) {
                    out.put(e.getKey(), v);
                }
            });
        }
        return out;
    }

    private static String tokenContent(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.path("content").asText();
        }
        return null;
    }

    private static String[] splitMerge(String line) {
        String[] parts = line.split(" ");
        if (parts.length != 2) {
            throw new IllegalArgumentException("malformed BPE merge '" + line + "'");
        }
        return parts;
    }

    private static JsonNode readJson(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("tokenizer file not found: " + p);
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + p, e);
        }
    }

    /** Exactly {@link #maxLength()} ids: BOS, text ids (truncated), EOS, then pad ids. */
    public int[] encode(String text) {
        return encode(text, maxLength);
    }

    /** Exactly {@code maxLength} ids: BOS, text ids (truncated), EOS, then pad ids. */
    public int[] encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must leave room for BOS and EOS, got " + maxLength);
        }
        List<Integer> ids = tokenize(text);
        int room = maxLength - 2;
        int n = Math.min(room, ids.size());
        int[] out = new int[maxLength];
        Arrays.fill(out, padId);
        out[0] = bosId;
        for (int i = 0; i < n; i++) {
            out[i + 1] = ids.get(i);
        }
        out[n + 1] = eosId;
        return out;
    }

    /** Ids of the text without BOS/EOS, padding or truncation. */
    public List<Integer> tokenize(String text) {
        List<Integer> ids = new ArrayList<>();
        for (Segment raw : splitOnAddedTokens(text, false)) {
            if (raw.token != null) {
                ids.add(raw.token.id());
                continue;
            }
            for (Segment seg : splitOnAddedTokens(normalize(raw.text), true)) {
                if (seg.token != null) {
                    ids.add(seg.token.id());
                    continue;
                }
                Matcher m = CLIP_PRETOKENIZE.matcher(seg.text);
                while (m.find()) {
                    for (int id : bpe.encodeWord(ByteLevelAlphabet.encode(m.group()))) {
                        ids.add(id);
                    }
                }
            }
        }
        return ids;
    }

    static String normalize(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        return WHITESPACE_RUN.matcher(nfc).replaceAll(" ").toLowerCase(Locale.ROOT);
    }

    private record Segment(String text, AddedToken token) {
    }

    /** Leftmost-longest split of text around added tokens of the given normalisation kind. */
    private List<Segment> splitOnAddedTokens(String text, boolean normalized) {
        List<AddedToken> candidates = new ArrayList<>();
        for (AddedToken t : addedTokens.values()) {
            if (t.normalized() == normalized && !t.content().isEmpty()) {
                candidates.add(t);
            }
        }
        List<Segment> out = new ArrayList<>();
        if (candidates.isEmpty()) {
            out.add(new Segment(text, null));
            return out;
        }
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken best = null;
            for (AddedToken t : candidates) {
                if (text.startsWith(t.content(), i) && (best == null || t.content().length() > best.content().length())) {
                    best = t;
                }
            }
            if (best == null) {
                i++;
                continue;
            }
            if (i > start) {
                out.add(new Segment(text.substring(start, i), null));
            }
            out.add(new Segment(null, best));
            i += best.content().length();
            start = i;
        }
        if (start < text.length()) {
            out.add(new Segment(text.substring(start), null));
        }
        return out;
    }

    /**
     * Adds a token matched whole (like transformers' add_tokens) and returns its id, which is the
     * current {@link #size()}; fails if the token already exists.
     */
    public synchronized int addToken(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("cannot add an empty token");
        }
        if (tokenId(token).isPresent()) {
            throw new IllegalArgumentException("tokenizer already contains the token '" + token + "'");
        }
        int id = size++;
        addedTokens.put(token, new AddedToken(token, id, false, true));
        return id;
    }

    /**
     * Text of token ids (for logs and tests): special tokens dropped unless {@code keepSpecial},
     * {@code </w>} read as a word break, like transformers' decode with clean-up off.
     */
    public String decode(int[] ids, boolean keepSpecial) {
        Map<Integer, String> byId = new HashMap<>();
        vocab.forEach((tok, id) -> byId.put(id, tok));
        Map<Integer, AddedToken> addedById = new HashMap<>();
        addedTokens.values().forEach(t -> addedById.put(t.id(), t));
        StringBuilder text = new StringBuilder();
        StringBuilder pending = new StringBuilder();
        for (int id : ids) {
            AddedToken added = addedById.get(id);
            if (added != null) {
                text.append(ByteLevelAlphabet.decode(pending.toString()));
                pending.setLength(0);
                if (!added.special() || keepSpecial) {
                    text.append(added.content()).append(' ');
                }
                continue;
            }
            String tok = byId.get(id);
            if (tok == null) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
            }
            pending.append(tok.replace(BpeModel.END_OF_WORD, " "));
        }
        text.append(ByteLevelAlphabet.decode(pending.toString()));
        return text.toString().trim();
    }

    public OptionalInt tokenId(String token) {
        AddedToken a = addedTokens.get(token);
        if (a != null) {
            return OptionalInt.of(a.id());
        }
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Tokens added on top of the BPE vocabulary (not the special tokens), in insertion order. */
    public Map<String, Integer> addedTokens() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (AddedToken t : addedTokens.values()) {
            if (!t.special() && !vocab.containsKey(t.content())) {
                out.put(t.content(), t.id());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    public int size() {
        return size;
    }

    public int maxLength() {
        return maxLength;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    /**
     * Writes vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json and
     * added_tokens.json (the slow-tokenizer layout every loader accepts, including this one).
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Map<String, Integer> sortedVocab = new LinkedHashMap<>();
            vocab.entrySet().stream().sorted(Map.Entry.comparingByValue())
                    .forEach(e -> sortedVocab.put(e.getKey(), e.getValue()));
            JSON.writeValue(dir.resolve("vocab.json").toFile(), sortedVocab);
            StringBuilder sb = new StringBuilder("#version: 0.2\n");
            for (String[] m : merges) {
                sb.append(m[0]).append(' ').append(m[1]).append('\n');
            }
            Files.writeString(dir.resolve("merges.txt"), sb.toString(), StandardCharsets.UTF_8);
            JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialTokens);
            Map<String, Object> config = new LinkedHashMap<>(specialTokens);
            config.put("model_max_length", maxLength);
            config.put("do_lower_case", true);
            config.put("tokenizer_class", "CLIPTokenizer");
            JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
            Files.deleteIfExists(dir.resolve("tokenizer.json"));
            Map<String, Integer> added = addedTokens();
            if (!added.isEmpty()) {
                JSON.writeValue(dir.resolve("added_tokens.json").toFile(), added);
            } else {
                Files.deleteIfExists(dir.resolve("added_tokens.json"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer to " + dir, e);
        }
    }
}
