package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import java.util.List;
import java.util.Objects;

/**
 * One concept to learn.
 *
 * @param name            free-text concept name stored in the delta metadata
 * @param token           modifier token, e.g. {@code <new1>}
 * @param initializerWord single-token word whose embedding initialises the token row (e.g. ktn, pll, ucd)
 * @param classWord       category word, e.g. "dog"
 * @param instancePrompt  caption of the target images, containing the token, e.g. "photo of a <new1> dog"
 * @param instanceImages  the target images
 * @param classPrompt     caption of the regularization images (used when {@code classCaptions} is empty)
 * @param classImages     regularization images (empty: no prior-preservation loss for this concept)
 * @param classCaptions   optional per-image captions of the regularization images (e.g. retrieved captions)
 * @param modifierToken   false only for the paper's "without modifier token" ablation: the instance prompt is the
 *                        plain class caption, so the K/V update is learned on the class word itself (the token is
 *                        still added, receives no gradient and stays at its initializer's embedding)
 */
public record Concept(String name, String token, String initializerWord, String classWord, String instancePrompt,
                      List<RgbImage> instanceImages, String classPrompt, List<RgbImage> classImages,
                      List<String> classCaptions, boolean modifierToken) {
    public Concept(String name, String token, String initializerWord, String classWord, String instancePrompt,
                   List<RgbImage> instanceImages, String classPrompt, List<RgbImage> classImages,
                   List<String> classCaptions) {
        this(name, token, initializerWord, classWord, instancePrompt, instanceImages, classPrompt, classImages,
            classCaptions, true);
    }

    public Concept {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(instancePrompt, "instancePrompt");
        instanceImages = List.copyOf(instanceImages);
        classImages = classImages == null ? List.of() : List.copyOf(classImages);
        classCaptions = classCaptions == null ? List.of() : List.copyOf(classCaptions);
        name = name == null ? "" : name;
        classWord = classWord == null ? "" : classWord;
        classPrompt = classPrompt == null ? classWord : classPrompt;
        if (instanceImages.isEmpty()) {
            throw new IllegalArgumentException("concept " + token + " has no instance images");
        }
        if (modifierToken && !instancePrompt.contains(token)) {
            throw new IllegalArgumentException("instance prompt \"" + instancePrompt + "\" does not contain the token " + token);
        }
        if (!classCaptions.isEmpty() && classCaptions.size() != classImages.size()) {
            throw new IllegalArgumentException("concept " + token + " has " + classImages.size() + " class images but "
                    + classCaptions.size() + " class captions");
        }
        if (initializerWord == null || initializerWord.isBlank()) {
            throw new IllegalArgumentException("concept " + token + " needs an initializer word");
        }
    }

    public String classCaption(int index) {
        return classCaptions.isEmpty() ? classPrompt : classCaptions.get(index);
    }

    public TokenInfo tokenInfo() {
        return new TokenInfo(token, name, classWord, initializerWord);
    }
}
