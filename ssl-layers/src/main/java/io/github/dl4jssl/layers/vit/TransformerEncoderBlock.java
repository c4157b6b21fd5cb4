package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.Checks;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One pre-norm Transformer encoder block of ViT (Dosovitskiy et al., ICLR 2021, eq. 2-3; Vaswani et al. 2017):
 * <pre>
 *   x = x + MSA(LN(x))        multi-head self-attention, H heads of width D / H, softmax(q k^T / sqrt(D / H)) v
 *   x = x + MLP(LN(x))        Linear(D, r D) - GELU - Linear(r D, D), r = mlpRatio (4)
 * </pre>
 * on tokens [B, N, D] (recurrent, NWC), output of the same shape. LayerNorm eps 1e-6 as in MoCo v3's ViT.
 *
 * <p>Parameters (no '_' in names): {@code ln1g, ln1b, ln2g, ln2b} [1, D] (LayerNorm scale 1, shift 0);
 * {@code Wq, Wk, Wv, Wo} [D, D] and {@code W1} [D, rD], {@code W2} [rD, D], Xavier uniform (MoCo v3 initialises
 * q, k and v as three separate D x D matrices); biases {@code bq, bk, bv, bo, b1, b2}, zero. GELU is the tanh
 * form ({@link TransformerOps#gelu}).</p>
 */
public class TransformerEncoderBlock extends TokenSequenceLayer {

    private static final String[] LN_SCALES = {"ln1g", "ln2g"};
    private static final String[] LN_SHIFTS = {"ln1b", "ln2b"};
    private static final String[] BIASES = {"bq", "bk", "bv", "bo", "b1", "b2"};

    private int heads = 1;
    private int mlpRatio = 4;
    private double eps = 1e-6;

    /** For JSON. */
    protected TransformerEncoderBlock() {
    }

    protected TransformerEncoderBlock(Builder b) {
        super(b);
        this.heads = b.heads;
        this.mlpRatio = b.mlpRatio;
        this.eps = b.eps;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        long hidden = mlpRatio * width;
        for (String n : LN_SCALES) {
            params.addBiasParam(n, 1, width);
        }
        for (String n : LN_SHIFTS) {
            params.addBiasParam(n, 1, width);
        }
        for (String n : new String[] {"Wq", "Wk", "Wv", "Wo"}) {
            params.addWeightParam(n, width, width);
        }
        params.addWeightParam("W1", width, hidden);
        params.addWeightParam("W2", hidden, width);
        for (String n : BIASES) {
            params.addBiasParam(n, 1, n.equals("b1") ? hidden : width);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        long hidden = mlpRatio * width;
        for (String n : new String[] {"Wq", "Wk", "Wv", "Wo"}) {
            TransformerOps.xavierUniform(params.get(n), width, width);
        }
        TransformerOps.xavierUniform(params.get("W1"), width, hidden);
        TransformerOps.xavierUniform(params.get("W2"), hidden, width);
        TransformerOps.fill(params, 1.0, LN_SCALES);
        TransformerOps.fill(params, 0.0, LN_SHIFTS);
        TransformerOps.fill(params, 0.0, BIASES);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long headWidth = width / heads;
        SDVariable rows = x.reshape(-1, width);                                  // [B N, D]
        SDVariable h = TransformerOps.layerNorm(rows, p.get("ln1g"), p.get("ln1b"), eps);
        SDVariable q = splitHeads(TransformerOps.linear(h, p.get("Wq"), p.get("bq")), headWidth);
        SDVariable k = splitHeads(TransformerOps.linear(h, p.get("Wk"), p.get("bk")), headWidth);
        SDVariable v = splitHeads(TransformerOps.linear(h, p.get("Wv"), p.get("bv")), headWidth);
        SDVariable scores = sd.mmul(q, k.permute(0, 2, 1)).mul(1.0 / Math.sqrt(headWidth));   // [B H, N, N]
        SDVariable attention = TransformerOps.softmaxLastAxis(sd, scores, 3);
        SDVariable heads = sd.mmul(attention, v)                                  // [B H, N, dh]
                .reshape(-1, this.heads, tokens, headWidth).permute(0, 2, 1, 3).reshape(-1, width);
        rows = rows.add(TransformerOps.linear(heads, p.get("Wo"), p.get("bo")));
        SDVariable h2 = TransformerOps.layerNorm(rows, p.get("ln2g"), p.get("ln2b"), eps);
        SDVariable mlp = TransformerOps.linear(TransformerOps.gelu(sd, TransformerOps.linear(h2, p.get("W1"), p.get("b1"))),
                p.get("W2"), p.get("b2"));
        return rows.add(mlp).reshape(-1, tokens, width);
    }

    /** [B N, D] -&gt; [B H, N, D / H]: head j of token n of image b at row b H + j. */
    private SDVariable splitHeads(SDVariable rows, long headWidth) {
        return rows.reshape(-1, tokens, heads, headWidth).permute(0, 2, 1, 3).reshape(-1, tokens, headWidth);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeRecurrent r = readTokens(inputType);
        if (r.getSize() % heads != 0) {
            throw new IllegalArgumentException("TransformerEncoderBlock (layer '" + getLayerName() + "'): width "
                    + r.getSize() + " is not divisible by " + heads + " heads; choose heads that divide the width");
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return TokenTypes.requireTokens(inputType, "TransformerEncoderBlock", getLayerName());
    }

    public int getHeads() { return heads; }

    public void setHeads(int heads) { this.heads = heads; }

    public int getMlpRatio() { return mlpRatio; }

    public void setMlpRatio(int mlpRatio) { this.mlpRatio = mlpRatio; }

    public double getEps() { return eps; }

    public void setEps(double eps) { this.eps = eps; }

    /** Builder: heads (default 1), MLP ratio (default 4), LayerNorm eps (default 1e-6); width and tokens come from the input. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int heads = 1;
        private int mlpRatio = 4;
        private double eps = 1e-6;

        public Builder heads(int heads) {
            this.heads = Checks.atLeast("TransformerEncoderBlock heads", heads, 1);
            return this;
        }

        public Builder mlpRatio(int mlpRatio) {
            this.mlpRatio = Checks.atLeast("TransformerEncoderBlock mlpRatio", mlpRatio, 1);
            return this;
        }

        public Builder eps(double eps) {
            this.eps = Checks.positive("TransformerEncoderBlock LayerNorm eps", eps);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TransformerEncoderBlock build() { return new TransformerEncoderBlock(this); }
    }
}
