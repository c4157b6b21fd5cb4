package io.github.dl4jssl.layers.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A layer's oneDNN primitives for its last two input shapes (a training loop alternates two batch sizes when an epoch's
 * last batch is smaller); an older shape's primitives are destroyed when replaced, so shapes that keep changing
 * do not accumulate native objects.
 */
final class OneDnnCache<K, V extends OneDnnOperation> {

    private static final int SHAPES = 2;

    private final Function<K, V> factory;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            if (size() > SHAPES) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    OneDnnCache(Function<K, V> factory) {
        this.factory = factory;
    }

    /** The primitives of {@code key}, built on first use. */
    V get(K key) {
        V v = entries.get(key);
        if (v == null) {
            v = factory.apply(key);
            entries.put(key, v);
        }
        return v;
    }

    int size() {
        return entries.size();
    }
}
