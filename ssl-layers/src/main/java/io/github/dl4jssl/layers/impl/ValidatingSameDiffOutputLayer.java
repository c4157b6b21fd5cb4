package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.SslLossLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.common.primitives.Pair;
import java.io.OutputStream;
import java.io.PrintStream;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of an {@link SslLossLayer}: DL4J's SameDiff output layer that first lets the
 * configuration check each input, so that a bad batch fails with a clear message instead of an
 * error from deep inside SameDiff.
 */
public class ValidatingSameDiffOutputLayer extends SameDiffOutputLayer {

    public ValidatingSameDiffOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        if (input != null) {
            ((SslLossLayer) layerConf()).validateInput(input);
        }
        super.setInput(input, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        ensureLabels();
        if (sameDiff != null && sameDiff.getFunction("grad") != null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        // SameDiff 1.0.0-M2.1 prints a line per op to System.out while it builds the gradient function
        // (once per layer); keep the user's console clean.
        PrintStream console = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            System.setOut(console);
        }
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        ensureLabels();
        return super.computeScore(fullNetRegTerm, training, workspaceMgr);
    }

    /** The SSL losses ignore labels, but SameDiff wants its labels placeholder fed. */
    private void ensureLabels() {
        if (labels == null && input != null) {
            labels = Nd4j.zeros(input.dataType(), input.size(0), 1);
        }
    }
}
