package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.GraphNames;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Selects which online layers of a momentum-encoder graph get an EMA target, from layer-name
 * conventions: online backbone layers start with {@code "backbone_"}, projector layers with
 * {@code "projector_"}, and the target of online layer {@code X} is named {@code "target_" + X}
 * (all three prefixes configurable with the {@code with...} methods, which return new scopes).
 *
 * <ul>
 * <li>{@link #encoder()}: backbone and projector, the full key/target encoder of MoCo (He et al.
 * 2020) and BYOL (Grill et al. 2020) (the BYOL predictor, whatever its name, is never selected);</li>
 * <li>{@link #backboneOnly()}: backbone layers only;</li>
 * <li>{@link #projectorOnly()}: projector layers only;</li>
 * <li>{@link #stages(String...)}: backbone layers whose name starts with
 * {@code backbonePrefix + stage}, e.g. {@code stages("stage4")} selects {@code backbone_stage4_conv1};</li>
 * <li>{@link #encoderExceptStages(String...)}: the complement of {@code stages(...)} within the encoder, e.g.
 * for a target encoder whose selected stages are an EMA and whose other layers simply track the online
 * ones (momentum 0);</li>
 * </ul>
 * Online layers whose name already starts with the target prefix are never selected.
 * Immutable; used through {@link EmaTargetListener.Builder#scope(EmaScope)}.
 */
public final class EmaScope implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** What a scope selects. */
    public enum Kind { ENCODER, BACKBONE_ONLY, PROJECTOR_ONLY, STAGES, ENCODER_EXCEPT_STAGES }

    /** Default prefix of online backbone layers. */
    public static final String DEFAULT_BACKBONE_PREFIX = GraphNames.BACKBONE;
    /** Default prefix of online projector layers. */
    public static final String DEFAULT_PROJECTOR_PREFIX = GraphNames.PROJECTOR;
    /** Default prefix of target layers: target of X is {@code "target_" + X}. */
    public static final String DEFAULT_TARGET_PREFIX = GraphNames.TARGET;

    private final Kind kind;
    private final List<String> stages;
    private final String backbonePrefix;
    private final String projectorPrefix;
    private final String targetPrefix;

    private EmaScope(Kind kind, List<String> stages, String backbonePrefix, String projectorPrefix, String targetPrefix) {
        this.kind = kind;
        this.stages = List.copyOf(stages);
        this.backbonePrefix = Objects.requireNonNull(backbonePrefix, "backbonePrefix");
        this.projectorPrefix = Objects.requireNonNull(projectorPrefix, "projectorPrefix");
        this.targetPrefix = Objects.requireNonNull(targetPrefix, "targetPrefix");
        if (targetPrefix.isEmpty()) {
            throw new IllegalArgumentException("EmaScope: targetPrefix must not be empty (a target must not share its online layer's name)");
        }
    }

    /** @return backbone + projector (the MoCo / BYOL target encoder) */
    public static EmaScope encoder() {
        return new EmaScope(Kind.ENCODER, List.of(), DEFAULT_BACKBONE_PREFIX, DEFAULT_PROJECTOR_PREFIX, DEFAULT_TARGET_PREFIX);
    }

    /** @return backbone layers only */
    public static EmaScope backboneOnly() {
        return new EmaScope(Kind.BACKBONE_ONLY, List.of(), DEFAULT_BACKBONE_PREFIX, DEFAULT_PROJECTOR_PREFIX, DEFAULT_TARGET_PREFIX);
    }

    /** @return projector layers only */
    public static EmaScope projectorOnly() {
        return new EmaScope(Kind.PROJECTOR_ONLY, List.of(), DEFAULT_BACKBONE_PREFIX, DEFAULT_PROJECTOR_PREFIX, DEFAULT_TARGET_PREFIX);
    }

    /**
     * @param stageNames backbone stage names (relative to the backbone prefix), at least one
     * @return backbone layers whose name starts with {@code backbonePrefix + stageName} for some stage
     */
    public static EmaScope stages(String... stageNames) {
        if (stageNames == null || stageNames.length == 0) {
            throw new IllegalArgumentException("EmaScope.stages(...) needs at least one stage name");
        }
        for (String s : stageNames) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("EmaScope.stages(...): stage names must be non-empty, got " + Arrays.toString(stageNames));
            }
        }
        return new EmaScope(Kind.STAGES, Arrays.asList(stageNames), DEFAULT_BACKBONE_PREFIX, DEFAULT_PROJECTOR_PREFIX, DEFAULT_TARGET_PREFIX);
    }

    /**
     * @param stageNames backbone stage names (relative to the backbone prefix), at least one
     * @return backbone and projector layers except those of {@link #stages(String...)} with the same names
     */
    public static EmaScope encoderExceptStages(String... stageNames) {
        return new EmaScope(Kind.ENCODER_EXCEPT_STAGES, stages(stageNames).stages, DEFAULT_BACKBONE_PREFIX,
                DEFAULT_PROJECTOR_PREFIX, DEFAULT_TARGET_PREFIX);
    }

    /** @param prefix new backbone prefix @return a copy using it */
    public EmaScope withBackbonePrefix(String prefix) {
        return new EmaScope(kind, stages, prefix, projectorPrefix, targetPrefix);
    }

    /** @param prefix new projector prefix @return a copy using it */
    public EmaScope withProjectorPrefix(String prefix) {
        return new EmaScope(kind, stages, backbonePrefix, prefix, targetPrefix);
    }

    /** @param prefix new target prefix (non-empty) @return a copy using it */
    public EmaScope withTargetPrefix(String prefix) {
        return new EmaScope(kind, stages, backbonePrefix, projectorPrefix, prefix);
    }

    /**
     * @param onlineLayerName a layer name of the graph
     * @return whether this scope pairs it (as an online layer)
     */
    public boolean selects(String onlineLayerName) {
        if (onlineLayerName.startsWith(targetPrefix)) {
            return false;
        }
        switch (kind) {
            case ENCODER:
                return onlineLayerName.startsWith(backbonePrefix) || onlineLayerName.startsWith(projectorPrefix);
            case BACKBONE_ONLY:
                return onlineLayerName.startsWith(backbonePrefix);
            case PROJECTOR_ONLY:
                return onlineLayerName.startsWith(projectorPrefix);
            case STAGES:
                return inStages(onlineLayerName);
            case ENCODER_EXCEPT_STAGES:
                return (onlineLayerName.startsWith(backbonePrefix) || onlineLayerName.startsWith(projectorPrefix))
                        && !inStages(onlineLayerName);
            default:
                throw new AssertionError(kind);
        }
    }

    private boolean inStages(String onlineLayerName) {
        for (String s : stages) {
            if (onlineLayerName.startsWith(backbonePrefix + s)) {
                return true;
            }
        }
        return false;
    }

    /** @param onlineLayerName an online layer name @return the name of its target layer */
    public String targetName(String onlineLayerName) { return targetPrefix + onlineLayerName; }

    /** @return the kind of selection */
    public Kind getKind() { return kind; }

    /** @return the stage names (empty unless {@link Kind#STAGES} or {@link Kind#ENCODER_EXCEPT_STAGES}) */
    public List<String> getStages() { return stages; }

    @Override
    public String toString() {
        return "EmaScope{" + kind + (stages.isEmpty() ? "" : " " + stages) + ", backbone='" + backbonePrefix
                + "', projector='" + projectorPrefix + "', target='" + targetPrefix + "'}";
    }
}
