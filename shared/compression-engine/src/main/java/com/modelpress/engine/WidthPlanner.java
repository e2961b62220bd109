package com.modelpress.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses one width per tensor so that the stored bytes fit a budget and the predicted damage (the sum of each
 * tensor's measured damage at its width) is as small as possible: a multiple-choice knapsack, solved greedily by
 * marginal damage per byte on each tensor's lower convex hull of (bytes, damage), the classic near-optimal rule, then
 * the budget left over spent on the single upgrades (hull or not) that still fit, largest damage saved first, and
 * finally pairwise exchanges (one tensor up, another down) while they lower the damage within the budget.
 *
 * <p>Deterministic: ties are broken by tensor name and then by bytes, never by hash order. Stateless; thread-safe.
 */
final class WidthPlanner {

    private WidthPlanner() {
    }

    /**
     * One way to store one tensor.
     *
     * @param bits      2, 4, 8 or 16 (kept in 16 bits)
     * @param blockSize nullable for 16 bits
     * @param bytes     stored bytes: codes, scales and zero points
     * @param damage    measured damage with only this tensor at this width (0 or more)
     * @param symmetric no zero points below 8 bits (8 bits is always symmetric and says so here)
     */
    record Option(int bits, Integer blockSize, long bytes, double damage, boolean symmetric) {
        /** With zero points below 8 bits (the kernels' default, symmetric, at 8 bits). */
        Option(int bits, Integer blockSize, long bytes, double damage) {
            this(bits, blockSize, bytes, damage, bits == 8);
        }

        String label() {
            if (blockSize == null) {
                return bits + "-bit";
            }
            return "%d-bit/%d%s".formatted(bits, blockSize, symmetric && bits < 8 ? "s" : "");
        }
    }

    /** A tensor and its options; at least one. */
    record Tensor(String name, long elements, List<Option> options) {
        Tensor {
            if (options.isEmpty()) {
                throw new IllegalArgumentException("tensor " + name + " has no options");
            }
            options = List.copyOf(options);
        }

        Option smallest() {
            return options.stream().min(Comparator.comparingLong(Option::bytes).thenComparingDouble(Option::damage))
                    .orElseThrow();
        }
    }

    /**
     * @param choice the option per tensor, in the tensors' order
     * @param bytes  the sum of the chosen options' bytes
     * @param damage the sum of their damage: the prediction for the whole model
     */
    record Plan(Map<String, Option> choice, long bytes, double damage) {}

    /** The fewest bytes any plan takes: every tensor at its smallest option. */
    static long floor(List<Tensor> tensors) {
        return tensors.stream().mapToLong(t -> t.smallest().bytes()).sum();
    }

    /**
     * @param budget the most bytes the chosen options may take together
     * @throws IllegalArgumentException when even the smallest options do not fit
     */
    static Plan plan(List<Tensor> tensors, long budget) {
        long floor = floor(tensors);
        if (floor > budget) {
            throw new IllegalArgumentException("%d bytes do not hold the smallest plan, %d bytes".formatted(budget, floor));
        }
        List<Tensor> ordered = tensors.stream().sorted(Comparator.comparing(Tensor::name)).toList();
        List<List<Option>> hulls = ordered.stream().map(t -> hull(t.options())).toList();
        int[] at = new int[ordered.size()];
        Option[] chosen = new Option[ordered.size()];
        long used = 0;
        for (int i = 0; i < ordered.size(); i++) {
            chosen[i] = hulls.get(i).getFirst();
            used += chosen[i].bytes();
        }
        // greedy along the hulls: the step that saves the most damage per extra byte and still fits
        while (true) {
            int best = -1;
            double bestRate = 0;
            for (int i = 0; i < ordered.size(); i++) {
                List<Option> hull = hulls.get(i);
                if (at[i] + 1 >= hull.size()) {
                    continue;
                }
                Option next = hull.get(at[i] + 1);
                long extra = next.bytes() - chosen[i].bytes();
                if (used + extra > budget) {
                    continue;
                }
                double rate = (chosen[i].damage() - next.damage()) / Math.max(1, extra);
                if (rate > bestRate) {
                    best = i;
                    bestRate = rate;
                }
            }
            if (best < 0) {
                break;
            }
            Option next = hulls.get(best).get(++at[best]);
            used += next.bytes() - chosen[best].bytes();
            chosen[best] = next;
        }
        // what is left: single upgrades to any option that fits, the most damage saved first
        boolean improved = true;
        while (improved) {
            improved = false;
            int bestTensor = -1;
            Option bestOption = null;
            double bestSaving = 0;
            for (int i = 0; i < ordered.size(); i++) {
                for (Option option : ordered.get(i).options()) {
                    long extra = option.bytes() - chosen[i].bytes();
                    double saving = chosen[i].damage() - option.damage();
                    if (used + extra <= budget && saving > bestSaving) {
                        bestTensor = i;
                        bestOption = option;
                        bestSaving = saving;
                    }
                }
            }
            if (bestTensor >= 0) {
                used += bestOption.bytes() - chosen[bestTensor].bytes();
                chosen[bestTensor] = bestOption;
                improved = true;
            }
        }
        used = exchange(ordered, chosen, used, budget);
        Map<String, Option> byName = new LinkedHashMap<>();
        Map<String, Option> sorted = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            sorted.put(ordered.get(i).name(), chosen[i]);
        }
        double damage = 0;
        for (Tensor tensor : tensors) {
            Option option = sorted.get(tensor.name());
            byName.put(tensor.name(), option);
            damage += option.damage();
        }
        return new Plan(byName, used, damage);
    }

    /**
     * Pairwise exchanges: tensor {@code i} to any option and tensor {@code j} to any option, taken (the best first) while
     * one lowers the total damage and fits; at most {@code 4 · tensors} rounds. Returns the bytes used.
     */
    private static long exchange(List<Tensor> ordered, Option[] chosen, long used, long budget) {
        for (int round = 0; round < 4 * ordered.size(); round++) {
            double bestSaving = 1e-15;
            int bi = -1;
            int bj = -1;
            Option bo = null;
            Option bp = null;
            for (int i = 0; i < ordered.size(); i++) {
                for (Option o : ordered.get(i).options()) {
                    long extra = o.bytes() - chosen[i].bytes();
                    double gain = chosen[i].damage() - o.damage();
                    if (extra <= 0 || gain <= 0) {
                        continue;
                    }
                    for (int j = 0; j < ordered.size(); j++) {
                        if (j == i) {
                            continue;
                        }
                        for (Option p : ordered.get(j).options()) {
                            long freed = chosen[j].bytes() - p.bytes();
                            double saving = gain - (p.damage() - chosen[j].damage());
                            if (freed > 0 && used + extra - freed <= budget && saving > bestSaving) {
                                bestSaving = saving;
                                bi = i;
                                bj = j;
                                bo = o;
                                bp = p;
                            }
                        }
                    }
                }
            }
            if (bi < 0) {
                break;
            }
            used += bo.bytes() - chosen[bi].bytes() + bp.bytes() - chosen[bj].bytes();
            chosen[bi] = bo;
            chosen[bj] = bp;
        }
        return used;
    }

    /**
     * The options that can be best for some budget: sorted by bytes, each strictly less damage than the one before,
     * and on the lower convex hull (no option lies above the segment joining its neighbours).
     */
    static List<Option> hull(List<Option> options) {
        List<Option> sorted = options.stream()
                .sorted(Comparator.comparingLong(Option::bytes).thenComparingDouble(Option::damage)).toList();
        List<Option> frontier = new ArrayList<>();
        for (Option option : sorted) {
            if (frontier.isEmpty() || option.damage() < frontier.getLast().damage()
                    && option.bytes() > frontier.getLast().bytes()) {
                frontier.add(option);
            }
        }
        List<Option> hull = new ArrayList<>();
        for (Option option : frontier) {
            while (hull.size() >= 2) {
                Option a = hull.get(hull.size() - 2);
                Option b = hull.getLast();
                // b is above the segment a–option when the slope a→b is not steeper (more negative) than a→option
                double slopeAb = (b.damage() - a.damage()) / (b.bytes() - a.bytes());
                double slopeAo = (option.damage() - a.damage()) / (option.bytes() - a.bytes());
                if (slopeAb >= slopeAo) {
                    hull.removeLast();
                } else {
                    break;
                }
            }
            hull.add(option);
        }
        return hull;
    }
}
