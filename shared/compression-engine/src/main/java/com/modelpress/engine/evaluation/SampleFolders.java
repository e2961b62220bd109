package com.modelpress.engine.evaluation;

import com.modelpress.engine.InvalidModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads user-given samples: one sub-folder per sample, taken in name order, each holding
 * {@code <input-name>.npy} for every model input. Other files are ignored.
 */
final class SampleFolders {

    private SampleFolders() {
    }

    /**
     * @throws InvalidModelException naming the folder or file when there are no sample folders, a file is
     *                               missing or unreadable, or its rank, fixed dimensions or dtype do not fit
     *                               the model input
     */
    static Samples load(Path dir, List<InputSpec> inputs) {
        List<Path> folders;
        try (Stream<Path> children = Files.list(dir)) {
            folders = children.filter(Files::isDirectory)
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new InvalidModelException("cannot list the evaluation inputs folder " + dir + ": " + e.getMessage(), e);
        }
        if (folders.isEmpty()) {
            throw new InvalidModelException(dir + " holds no sample folders: expected one sub-folder per sample "
                    + "with one <input-name>.npy per model input");
        }
        List<Sample> samples = new ArrayList<>();
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        for (Path folder : folders) {
            Map<String, NpyArray> values = new LinkedHashMap<>();
            for (InputSpec input : inputs) {
                Path file = folder.resolve(input.name() + ".npy");
                if (!Files.isRegularFile(file)) {
                    throw new InvalidModelException("missing " + file + " for model input '" + input.name() + "'");
                }
                NpyArray array = Npy.read(file);
                check(file, array, input);
                values.put(input.name(), array);
                seen.computeIfAbsent(input.name(), name -> new TreeSet<>())
                        .add(array.descr() + " " + Arrays.toString(array.shape()).replace(" ", ""));
            }
            samples.add(new Sample(folder.getFileName().toString(), values));
        }
        List<String> description = new ArrayList<>();
        for (InputSpec input : inputs) {
            description.add(input.name() + " " + input.typeName() + ": " + input.name() + ".npy in each of "
                    + folders.size() + " sample folders (" + String.join(", ", seen.get(input.name())) + ")");
        }
        return new Samples(samples, dir.toString(), description);
    }

    private static void check(Path file, NpyArray array, InputSpec input) {
        long[] expected = input.shape();
        long[] actual = array.shape();
        if (actual.length != expected.length) {
            throw new InvalidModelException(file + ": rank " + actual.length + " " + Arrays.toString(actual)
                    + ", but model input '" + input.name() + "' has rank " + expected.length);
        }
        for (int axis = 0; axis < expected.length; axis++) {
            if (expected[axis] >= 0 && expected[axis] != actual[axis]) {
                throw new InvalidModelException(file + ": shape " + Arrays.toString(actual) + ", but model input '"
                        + input.name() + "' has " + Arrays.toString(expected) + " (-1 = any)");
            }
        }
        if (array.isFloat() && !input.isFloat()) {
            throw new InvalidModelException(file + ": dtype " + array.descr() + " cannot feed " + input.typeName()
                    + " input '" + input.name() + "'; save it as an integer array");
        }
    }
}
