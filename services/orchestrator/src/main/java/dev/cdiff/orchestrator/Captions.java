package dev.cdiff.orchestrator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prompt text with the modifier token in it: the instance captions of a concept and the prompts built from templates. */
final class Captions {
    private Captions() {
    }

    static String fill(String template, String token, String classWord) {
        return template.replace("{token}", token).replace("{class}", classWord);
    }

    /**
     * One instance caption per image: the tenant's caption with the token put in front of the class word, or
     * the template when the tenant gave none for that image.
     */
    static List<String> instanceCaptions(List<String> tenantCaptions, int imageCount, String template,
                                         String token, String classWord) {
        List<String> captions = new ArrayList<>(imageCount);
        for (int i = 0; i < imageCount; i++) {
            String given = i < tenantCaptions.size() ? tenantCaptions.get(i) : null;
            captions.add(given == null || given.isBlank()
                    ? fill(template, token, classWord)
                    : withToken(given.trim(), token, classWord));
        }
        return captions;
    }

    /**
     * "a dog on grass" becomes "a &lt;new1&gt; dog on grass". A caption that already holds the token is kept; one that
     * never names the class gets "&lt;new1&gt; dog, " in front so the token still binds to the class.
     */
    static String withToken(String caption, String token, String classWord) {
        if (caption.contains(token)) {
            return caption;
        }
        Pattern word = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(classWord) + "(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        Matcher match = word.matcher(caption);
        if (match.find()) {
            int at = match.start();
            return caption.substring(0, at) + token + " " + caption.substring(at);
        }
        return token + " " + classWord + ", " + caption;
    }
}
