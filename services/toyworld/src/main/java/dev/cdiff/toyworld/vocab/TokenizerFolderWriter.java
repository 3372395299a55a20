package dev.cdiff.toyworld.vocab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a CLIP-format tokenizer folder (vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json)
 * for the toy world. Layout follows CLIP: 256 byte characters, the same with "</w>", then one entry per merge,
 * then the start/end tokens. Merges are built so that every world word is exactly one token "word</w>".
 * Concept tokens such as "<new1>" are NOT in the vocabulary; they are added at personalisation time and get ids
 * from {@link #vocabSize(List)} upward.
 */
public final class TokenizerFolderWriter {
    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";
    public static final int MAX_LENGTH = 77;

    private TokenizerFolderWriter() {}

    /** The ordered vocabulary (token -> id) for the given words. */
    public static Map<String, Integer> vocabulary(List<String> words) {
        ByteLevelBpe bpe = bpeFor(words);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> byteChars = byteCharacters();
        for (String c : byteChars) vocab.put(c, vocab.size());
        for (String c : byteChars) vocab.put(c + "</w>", vocab.size());
        for (String[] m : bpe.merges()) vocab.put(m[0] + m[1], vocab.size());
        vocab.put(BOS, vocab.size());
        vocab.put(EOS, vocab.size());
        return vocab;
    }

    public static int vocabSize(List<String> words) {
        return vocabulary(words).size();
    }

    public static ByteLevelBpe bpeFor(List<String> words) {
        ByteLevelBpe bpe = new ByteLevelBpe();
        for (String w : words) {
            if (!w.matches("[a-z]+")) throw new IllegalArgumentException("tokenizer word '" + w + "' must be lower-case ASCII letters");
            bpe.teach(w);
        }
        return bpe;
    }

    /** Writes the folder for {@link ToyVocabulary#words()} and returns the vocabulary size. */
    public static int write(Path dir) throws IOException {
        return write(dir, ToyVocabulary.words());
    }

    public static int write(Path dir, List<String> words) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Integer> vocab = vocabulary(words);
        Files.writeString(dir.resolve("vocab.json"), new ObjectMapper().writeValueAsString(vocab), StandardCharsets.UTF_8);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (String[] m : bpeFor(words).merges()) merges.append(m[0]).append(' ').append(m[1]).append('\n');
        Files.writeString(dir.resolve("merges.txt"), merges.toString(), StandardCharsets.UTF_8);
        ObjectNode special = json.createObjectNode();
        special.put("bos_token", BOS);
        special.put("eos_token", EOS);
        special.put("unk_token", EOS);
        special.put("pad_token", EOS);
        json.writeValue(dir.resolve("special_tokens_map.json").toFile(), special);
        ObjectNode config = json.createObjectNode();
        config.put("tokenizer_class", "CLIPTokenizer");
        config.put("model_max_length", MAX_LENGTH);
        config.put("do_lower_case", true);
        config.put("bos_token", BOS);
        config.put("eos_token", EOS);
        config.put("unk_token", EOS);
        config.put("pad_token", EOS);
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        return vocab.size();
    }

    /** GPT-2/CLIP bytes_to_unicode order: printable bytes map to themselves, the rest to U+0100 upward. */
    static List<String> byteCharacters() {
        List<Integer> bytes = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) bytes.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) bytes.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) bytes.add(b);
        List<Integer> chars = new ArrayList<>(bytes);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!bytes.contains(b)) {
                bytes.add(b);
                chars.add(256 + n++);
            }
        }
        List<String> out = new ArrayList<>();
        for (int c : chars) out.add(new String(Character.toChars(c)));
        return out;
    }
}
