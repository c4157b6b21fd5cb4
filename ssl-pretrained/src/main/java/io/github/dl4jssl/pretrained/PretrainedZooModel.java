package io.github.dl4jssl.pretrained;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.Adler32;

/**
 * A shipped pretrained backbone as a model of DL4J's zoo ({@link ZooModel}), so that code written for DL4J's zoo
 * works with it: {@link #initPretrained()} loads the weights from this artifact (DL4J's own zoo models download them
 * from a URL), {@link #init()} gives the same architecture with fresh random weights, and {@link #metaData()} says
 * what it takes and gives (input {@code [channels, height, width]}, feature-vector length, {@link ZooType#CNN}).
 *
 * <pre>{@code
 * ZooModel<ComputationGraph> zoo = PretrainedZooModel.of("simclr-small-cnn-fashion-mnist");
 * ComputationGraph backbone = (ComputationGraph) zoo.initPretrained();
 * }</pre>
 *
 * DL4J's {@link PretrainedType} has no value per data set of ours; a backbone trained on 28x28 grayscale images
 * (Fashion-MNIST) answers to {@link PretrainedType#MNIST}, any other to {@link PretrainedType#IMAGENET}, and
 * {@link #initPretrained(PretrainedType)} refuses the other types, naming the one it has.
 */
public final class PretrainedZooModel extends ZooModel<ComputationGraph> {
    private final PretrainedCard card;

    private PretrainedZooModel(PretrainedCard card) {
        this.card = card;
    }

    /** The shipped backbone {@code name} (one of {@link Pretrained#names()}) as a zoo model. */
    public static PretrainedZooModel of(String name) {
        return new PretrainedZooModel(Pretrained.card(name));
    }

    /** The card of this backbone. */
    public PretrainedCard card() {
        return card;
    }

    /** The one pretrained type this model has: MNIST for 28x28 grayscale images, else IMAGENET. */
    public PretrainedType pretrainedType() {
        return card.inputShape().equals(java.util.List.of(1, 28, 28)) ? PretrainedType.MNIST : PretrainedType.IMAGENET;
    }

    /** The shipped weights, read from this artifact. */
    @Override
    public ComputationGraph initPretrained() throws IOException {
        return Pretrained.backbone(card.name());
    }

    /** The shipped weights for {@link #pretrainedType()}; any other type is refused. */
    @Override
    @SuppressWarnings("unchecked")
    public <M extends Model> M initPretrained(PretrainedType type) throws IOException {
        if (type != pretrainedType()) {
            throw new UnsupportedOperationException(card.name() + " has pretrained weights for " + pretrainedType()
                    + " only (trained on " + card.dataset() + "), not for " + type + "; call initPretrained() or initPretrained("
                    + "PretrainedType." + pretrainedType() + ")");
        }
        return (M) initPretrained();
    }

    /** The same architecture with fresh random weights (initialised with the configuration's seed). */
    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        try {
            ComputationGraph fresh = new ComputationGraph(Pretrained.backbone(card.name()).getConfiguration().clone());
            fresh.init();
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The classpath URL of the weights for {@link #pretrainedType()} (no download: {@link #initPretrained()} reads it). */
    @Override
    public String pretrainedUrl(PretrainedType type) {
        return type == pretrainedType() ? Pretrained.weights(card.name()).toString() : null;
    }

    /** The Adler-32 checksum of the weights file, the checksum DL4J's zoo uses. */
    @Override
    public long pretrainedChecksum(PretrainedType type) {
        if (type != pretrainedType()) {
            return 0L;
        }
        Adler32 adler = new Adler32();
        try (InputStream in = Pretrained.weights(card.name()).openStream()) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                adler.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return adler.getValue();
    }

    @Override
    public String modelName() {
        return card.name();
    }

    @Override
    public Class<? extends Model> modelType() {
        return ComputationGraph.class;
    }

    /** Input {@code [channels, height, width]}, the feature-vector length as outputs, {@link ZooType#CNN}. */
    @Override
    public ModelMetaData metaData() {
        int[] shape = card.inputShape().stream().mapToInt(Integer::intValue).toArray();
        return new ModelMetaData(new int[][]{shape}, card.featureSize(), ZooType.CNN);
    }

    /** The weights fix the input shape: only the card's is accepted. */
    @Override
    public void setInputShape(int[][] inputShape) {
        int[] own = metaData().getInputShape()[0];
        if (inputShape == null || inputShape.length != 1 || !Arrays.equals(inputShape[0], own)) {
            throw new IllegalArgumentException(card.name() + " takes images of shape " + Arrays.toString(own)
                    + " (channels, height, width), fixed by its pretrained weights; got " + Arrays.deepToString(inputShape));
        }
    }
}
