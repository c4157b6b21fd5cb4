package io.github.dl4jssl.layers.vit;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * Prepends the learned class token to the patch tokens and adds position embeddings, as in ViT (Dosovitskiy
 * et al., ICLR 2021): input [B, T, D], output [B, T + 1, D] (recurrent, NWC), token 0 is the class token.
 *
 * <p>Position embeddings ({@link Builder#positions(Positions)}):</p>
 * <ul>
 *   <li>{@link Positions#LEARNED}: a parameter {@code pos} [1, T + 1, D], initialised N(0, 0.02^2) (ViT);</li>
 *   <li>{@link Positions#SINCOS_2D}: fixed 2-d sine-cosine embeddings of the patch grid, no parameter, as MoCo v3
 *   (Chen, Xie, He, ICCV 2021; {@code build_2d_sincos_position_embedding} of its {@code vits.py}): for patch
 *   (row h, column w) and {@code omega_i = 10000^(-i / (D/4))}, i &lt; D/4, the embedding is
 *   [sin(w omega), cos(w omega), sin(h omega), cos(h omega)]; the class token's position embedding is zero.
 *   D must be a multiple of 4.</li>
 * </ul>
 * <p>The class token {@code cls} [1, D] is initialised N(0, 1e-6^2) as in MoCo v3.</p>
 */
public class ClassTokenPositionEmbedding extends TokenLayer {

    public static final String CLASS_TOKEN = "cls";
    public static final String POSITIONS = "pos";

    /** How positions are encoded. */
    public enum Positions { LEARNED, SINCOS_2D }

    private Positions positions = Positions.LEARNED;
    private long gridHeight;
    private long gridWidth;
    private long embedDim;

    /** For JSON. */
    protected ClassTokenPositionEmbedding() {
    }

    protected ClassTokenPositionEmbedding(Builder b) {
        super(b);
        this.positions = b.positions;
        this.gridHeight = b.gridHeight;
        this.gridWidth = b.gridWidth;
    }

    private long tokens() {
        return gridHeight * gridWidth;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(CLASS_TOKEN, 1, embedDim);
        if (positions == Positions.LEARNED) {
            params.addWeightParam(POSITIONS, 1, (tokens() + 1) * embedDim);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray cls = params.get(CLASS_TOKEN);
        cls.assign(Nd4j.randn(cls.dataType(), cls.shape()).muli(1e-6));
        INDArray pos = params.get(POSITIONS);
        if (pos != null) {
            pos.assign(Nd4j.randn(pos.dataType(), pos.shape()).muli(0.02));
        }
    }

    /** The fixed 2-d sine-cosine position embeddings [T + 1, D] (row 0, the class token's, is zero). */
    public static INDArray sinCos2d(long gridHeight, long gridWidth, long embedDim, DataType dataType) {
        if (embedDim % 4 != 0) {
            throw new IllegalArgumentException("2-d sin-cos position embeddings need a width divisible by 4, got " + embedDim);
        }
        long quarter = embedDim / 4;
        INDArray out = Nd4j.zeros(dataType, gridHeight * gridWidth + 1, embedDim);
        for (long h = 0; h < gridHeight; h++) {
            for (long w = 0; w < gridWidth; w++) {
                long row = 1 + h * gridWidth + w;
                for (long i = 0; i < quarter; i++) {
                    double omega = 1.0 / Math.pow(10000.0, (double) i / quarter);
                    out.putScalar(row, i, Math.sin(w * omega));
                    out.putScalar(row, quarter + i, Math.cos(w * omega));
                    out.putScalar(row, 2 * quarter + i, Math.sin(h * omega));
                    out.putScalar(row, 3 * quarter + i, Math.cos(h * omega));
                }
            }
        }
        return out;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        // [B, 1, D] of zeros with the runtime batch size, plus the class token
        SDVariable cls = x.get(SDIndex.all(), SDIndex.interval(0, 1), SDIndex.all()).mul(0.0)
                .add(params.get(CLASS_TOKEN).reshape(1, 1, embedDim));
        SDVariable tokens = sd.concat(1, cls, x);
        SDVariable pos = positions == Positions.LEARNED
                ? params.get(POSITIONS).reshape(1, tokens() + 1, embedDim)
                : sd.constant(sinCos2d(gridHeight, gridWidth, embedDim, x.dataType()).reshape(1, tokens() + 1, embedDim));
        return tokens.add(pos);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 3 || input.size(1) != tokens() || input.size(2) != embedDim) {
            throw new IllegalArgumentException("ClassTokenPositionEmbedding (layer '" + getLayerName()
                    + "') expects tokens [B, " + tokens() + ", " + embedDim + "], got " + Arrays.toString(input.shape()));
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeRecurrent r = TokenTypes.requireTokens(inputType, "ClassTokenPositionEmbedding", getLayerName());
        if (r.getTimeSeriesLength() != tokens()) {
            throw new IllegalArgumentException("ClassTokenPositionEmbedding (layer '" + getLayerName() + "'): grid "
                    + gridHeight + "x" + gridWidth + " = " + tokens() + " tokens, but the input has "
                    + r.getTimeSeriesLength() + "; set grid(H / p, W / p) of the patch embedding");
        }
        embedDim = r.getSize();
        if (positions == Positions.SINCOS_2D && embedDim % 4 != 0) {
            throw new IllegalArgumentException("ClassTokenPositionEmbedding (layer '" + getLayerName()
                    + "'): 2-d sin-cos position embeddings need a width divisible by 4, got " + embedDim
                    + "; use a width that is a multiple of 4 or learned positions");
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeRecurrent r = TokenTypes.requireTokens(inputType, "ClassTokenPositionEmbedding", getLayerName());
        return InputType.recurrent(r.getSize(), r.getTimeSeriesLength() + 1, RNNFormat.NWC);
    }

    public Positions getPositions() { return positions; }

    public void setPositions(Positions positions) { this.positions = positions; }

    public long getGridHeight() { return gridHeight; }

    public void setGridHeight(long gridHeight) { this.gridHeight = gridHeight; }

    public long getGridWidth() { return gridWidth; }

    public void setGridWidth(long gridWidth) { this.gridWidth = gridWidth; }

    public long getEmbedDim() { return embedDim; }

    public void setEmbedDim(long embedDim) { this.embedDim = embedDim; }

    /** Builder: the patch grid (required: H / p rows, W / p columns), positions (default learned). */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private Positions positions = Positions.LEARNED;
        private long gridHeight;
        private long gridWidth;

        /** The patch grid: {@code rows = H / p}, {@code columns = W / p}. */
        public Builder grid(long rows, long columns) {
            if (rows < 1 || columns < 1) {
                throw new IllegalArgumentException("ClassTokenPositionEmbedding grid must be at least 1x1, got " + rows + "x" + columns);
            }
            this.gridHeight = rows;
            this.gridWidth = columns;
            return this;
        }

        public Builder positions(Positions positions) {
            this.positions = java.util.Objects.requireNonNull(positions, "positions");
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ClassTokenPositionEmbedding build() {
            if (gridHeight < 1) {
                throw new IllegalStateException("ClassTokenPositionEmbedding needs grid(rows, columns) of the patch grid");
            }
            return new ClassTokenPositionEmbedding(this);
        }
    }
}
