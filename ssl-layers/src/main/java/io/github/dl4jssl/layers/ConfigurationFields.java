package io.github.dl4jssl.layers;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Copies the settings of a DL4J layer configuration into an instance of our subclass of it. DL4J's constructors from
 * a builder are private, so a subclass's builder lets DL4J's builder build DL4J's layer and copies every instance
 * field declared from {@code top} up to {@code Object} into the subclass.
 */
final class ConfigurationFields {

    private ConfigurationFields() {
    }

    /** Copies every non-static field declared by {@code top} and its superclasses from {@code from} into {@code into}. */
    static <T> T copy(Object from, T into, Class<?> top) {
        for (Class<?> c = top; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(into, f.get(from));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy " + top.getSimpleName() + " setting '" + f.getName()
                            + "' (a DL4J version this class was not written for?)", e);
                }
            }
        }
        return into;
    }
}
