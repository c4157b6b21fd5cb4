package io.github.dl4jssl.layers;
