package dev.cdiff.platform.ids;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The rules of a joint (multi-concept) job, checked alike by the gateway, ingestion and the orchestrator: how many
 * concepts one run may learn, and that every concept has its own token in the {@link Ids#modifierToken} grammar.
 */
public final class JointConcepts {
    /**
     * Concepts one joint run may learn. The paper trains two jointly (and three in its appendix); every further
     * concept adds a regularization set and a share of each batch, so the bound keeps one request's work and the
     * orchestrator's state of it small. A larger composition is a merge of separately trained deltas.
     */
    public static final int MAX_CONCEPTS = 4;

    private JointConcepts() {
    }

    /** The token the concept at this position gets when the request names none: {@code <new1>}, {@code <new2>}... */
    public static String defaultToken(int index) {
        return "<new" + (index + 1) + ">";
    }

    /** Why these tokens (one per concept, in order) cannot make one job; empty when they can. */
    public static Optional<String> problem(List<String> tokens) {
        if (tokens.isEmpty()) {
            return Optional.of("the job names no concept");
        }
        if (tokens.size() > MAX_CONCEPTS) {
            return Optional.of(tokens.size() + " concepts; a joint job learns at most " + MAX_CONCEPTS
                    + " (merge separately trained concepts for more)");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (!Ids.isModifierToken(token)) {
                return Optional.of("concept " + (i + 1) + "'s modifier token '" + printable(token) + "' is not one of "
                        + Ids.MODIFIER_TOKEN_RULE);
            }
            if (!seen.add(token)) {
                return Optional.of("concept " + (i + 1) + "'s modifier token " + token
                        + " is already another concept's; every concept needs its own token");
            }
        }
        return Optional.empty();
    }

    private static String printable(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
