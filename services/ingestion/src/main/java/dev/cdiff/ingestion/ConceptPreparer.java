package dev.cdiff.ingestion;

import dev.cdiff.ingestion.normalize.ImageNormalizer;
import dev.cdiff.ingestion.normalize.IncompleteImageException;
import dev.cdiff.ingestion.validate.ClassWords;
import dev.cdiff.ingestion.validate.RejectionReason;
import dev.cdiff.ingestion.validate.SubmissionRejected;
import dev.cdiff.ingestion.validate.SubmissionValidator;
import dev.cdiff.ingestion.validate.ValidatedImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything ingestion decides before touching storage: text fields, image checks, normalisation, concept id.
 * It either returns a complete {@link AcceptedConcept} or throws, so a rejected submission never stores anything.
 */
public final class ConceptPreparer {
    public static final int MAX_CAPTION_CHARS = 300;
    private static final Pattern INITIALIZER = Pattern.compile("\\p{L}{1,20}");

    private final SubmissionValidator validator;
    private final ImageNormalizer normalizer;
    private final String defaultInitializerWord;

    public ConceptPreparer(SubmissionValidator validator, ImageNormalizer normalizer, String defaultInitializerWord) {
        this.validator = validator;
        this.normalizer = normalizer;
        this.defaultInitializerWord = defaultInitializerWord;
    }

    public SubmissionValidator validator() {
        return validator;
    }

    public AcceptedConcept prepare(Submission submission) throws SubmissionRejected {
        String classWord = ClassWords.normalizeClassWord(submission.classWord());
        String conceptName = ClassWords.normalizeConceptName(submission.conceptName());
        String initializer = initializerWord(submission.initializerWord());
        List<String> captions = checkCaptions(submission);
        List<ValidatedImage> validated = validator.validate(submission.images());

        List<NormalizedImage> normalized = new ArrayList<>(validated.size());
        Map<String, String> nameByDigest = new LinkedHashMap<>();
        for (ValidatedImage image : validated) {
            byte[] png;
            try {
                png = normalizer.normalize(image);
            } catch (IncompleteImageException e) {
                throw new SubmissionRejected(RejectionReason.TRUNCATED_IMAGE,
                        "'" + image.source().name() + "' is not a complete " + image.header().format() + " image: "
                                + e.getMessage() + "; upload the whole file", List.of(image.source().name()), e);
            } catch (IOException | RuntimeException e) {
                throw new SubmissionRejected(RejectionReason.UNREADABLE_IMAGE,
                        "'" + image.source().name() + "' could not be decoded as " + image.header().format() + ": "
                                + e.getMessage(), List.of(image.source().name()), e);
            }
            String digest = SubmissionValidator.sha256Hex(png);
            String earlier = nameByDigest.putIfAbsent(digest, image.source().name());
            if (earlier != null) {
                throw new SubmissionRejected(RejectionReason.DUPLICATE_IMAGE,
                        "'" + image.source().name() + "' shows the same picture as '" + earlier
                                + "' (identical after normalisation); every image must be different",
                        List.of(earlier, image.source().name()));
            }
            normalized.add(new NormalizedImage(image.source().name(), png, digest));
        }
        String conceptId = ConceptIds.conceptId(nameByDigest.keySet(), classWord);
        return new AcceptedConcept(submission, conceptId, conceptName, classWord, initializer, normalized, captions);
    }

    private String initializerWord(String requested) throws SubmissionRejected {
        if (requested == null || requested.isBlank()) {
            return defaultInitializerWord;
        }
        String word = requested.strip();
        if (!INITIALIZER.matcher(word).matches()) {
            throw new SubmissionRejected(RejectionReason.INVALID_CLASS_WORD,
                    "the initializer word '" + word + "' must be a single word of 1-20 letters", List.of());
        }
        return word;
    }

    private static List<String> checkCaptions(Submission submission) throws SubmissionRejected {
        List<String> captions = submission.captions();
        if (captions.isEmpty()) {
            return captions;
        }
        if (captions.size() != submission.images().size()) {
            throw new SubmissionRejected(RejectionReason.INVALID_CAPTIONS,
                    captions.size() + " captions were given for " + submission.images().size()
                            + " images; give one caption per image or none", List.of());
        }
        List<String> cleaned = new ArrayList<>(captions.size());
        for (int i = 0; i < captions.size(); i++) {
            String caption = captions.get(i) == null ? "" : captions.get(i).strip();
            if (caption.length() > MAX_CAPTION_CHARS) {
                String name = submission.images().get(i).name();
                throw new SubmissionRejected(RejectionReason.INVALID_CAPTIONS,
                        "the caption of '" + name + "' has " + caption.length() + " characters; at most "
                                + MAX_CAPTION_CHARS + " are allowed", List.of(name));
            }
            cleaned.add(caption);
        }
        return cleaned;
    }
}
