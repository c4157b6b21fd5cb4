package io.github.dl4jssl.samples;

import io.github.dl4jssl.pretrained.Pretrained;
import io.github.dl4jssl.pretrained.PretrainedCard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code dl4j-ssl pretrained}: lists the pretrained backbones of {@code ssl-pretrained} with their cards (how each was
 * trained and how it evaluates). {@code eval --model pretrained:NAME} evaluates one; {@code pretrained package} adds
 * or replaces one from a finished {@code train} run.
 */
@Command(name = "pretrained", mixinStandardHelpOptions = true,
        description = "List the pretrained backbones shipped in ssl-pretrained, with their cards.",
        subcommands = PackagePretrainedCommand.class)
public final class PretrainedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (PretrainedCard card : Pretrained.list()) {
            spec.commandLine().getOut().println(card.describe());
            spec.commandLine().getOut().println();
        }
        spec.commandLine().getOut().println("Load one in Java with Pretrained.backbone(NAME) or PretrainedZooModel.of(NAME)"
                + ".initPretrained(); evaluate it with ./dl4j-ssl eval --model pretrained:NAME");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
