package io.github.dl4jssl.layers;

/**
 * The naming contract of a self-supervised graph, in one place: the image input, and the vertex-name prefixes of
 * the online backbone, projector and predictor, of the momentum (target) copies and of the loss. The methods of
 * {@code ssl-zoo} build their graphs with these names, {@code TargetBranch} names the momentum copy
 * {@code TARGET + online name}, and {@code EmaScope} pairs online and target layers by the same names, so a change
 * here changes all three together (the MoCo "query / key encoder" of He et al. 2020 and the BYOL "online / target
 * network" of Grill et al. 2020 are the {@link #BACKBONE} + {@link #PROJECTOR} layers and their {@link #TARGET}
 * copies).
 */
public final class GraphNames {

    /** The image input. */
    public static final String INPUT = "input";
    /** Prefix of the online backbone's vertices (f). */
    public static final String BACKBONE = "backbone_";
    /** Prefix of the online projection head's vertices (g). */
    public static final String PROJECTOR = "projector_";
    /** Prefix of the prediction head's vertices (BYOL's q, SimSiam's h; no target copy). */
    public static final String PREDICTOR = "predictor_";
    /** Prefix of the momentum (target / key encoder) copies: the copy of online vertex X is {@code "target_" + X}. */
    public static final String TARGET = "target_";
    /** The loss (output) layer. */
    public static final String LOSS = "loss";

    private GraphNames() {
    }
}
