package dev.cdiff.diffusion.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.UnsupportedConfigException;

/** The CLIPTextConfig fields the text encoder uses; a full CLIPConfig is accepted through its text_config. */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                             int maxPositions, double layerNormEps, String hiddenAct, ObjectNode raw) {

    public static ClipTextConfig from(JsonNode node) {
        JsonNode text = node.has("text_config") && node.get("text_config").isObject() ? node.get("text_config") : node;
        ConfigReader c = new ConfigReader("text_encoder", text);
        int hidden = c.getInt("hidden_size");
        int heads = c.getInt("num_attention_heads");
        if (heads <= 0 || hidden % heads != 0) {
            throw new UnsupportedConfigException("text_encoder config option num_attention_heads=" + heads
                    + " does not divide hidden_size=" + hidden);
        }
        String act = c.getChoice("hidden_act", "quick_gelu", "quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh");
        return new ClipTextConfig(c.getInt("vocab_size"), hidden, c.getInt("intermediate_size"),
                c.getInt("num_hidden_layers"), heads, c.getInt("max_position_embeddings", 77),
                c.getDouble("layer_norm_eps", 1e-5), act, ((ObjectNode) text).deepCopy());
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** The config to save, with the vocabulary size of the current embedding table. */
    public ObjectNode toJson(int currentVocabSize) {
        ObjectNode out = raw.deepCopy();
        out.put("vocab_size", currentVocabSize);
        if (!out.has("architectures")) {
            out.putArray("architectures").add("CLIPTextModel");
        }
        if (!out.has("model_type")) {
            out.put("model_type", "clip_text_model");
        }
        return out;
    }
}
